"""Real faults: an own RabbitMQ node stopped and started, service processes killed and restarted.

Every test here is marked ``faults``, prints one line of figures and asserts them; the figures are
kept for ``docs/RELIABILITY.md`` (``tests/faults/figures.py``, ``python -m tests.faults.report``).
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from tests.faults import figures as kept
from tests.faults.figures import figures

__all__ = ["figures"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport]:
    report = yield
    kept.record_outcome(item, report)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    kept.flush()
