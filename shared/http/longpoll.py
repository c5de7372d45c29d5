"""Long-polling: ``wait=SECONDS`` on a read that can wait for the next commit (``shared.commits``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from shared.commits import MAX_WAIT_SECONDS

WaitQuery = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_WAIT_SECONDS,
        description=f"Seconds to wait, 0 to {MAX_WAIT_SECONDS}, when there is nothing new: the answer comes as soon "
        "as a change commits, or with nothing new when the time is up. 0 answers at once.",
    ),
]
