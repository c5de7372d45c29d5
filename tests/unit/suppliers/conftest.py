from __future__ import annotations

import pytest

from shared import clock
from tests.unit.suppliers.arrange import NOW, TODAY
from tests.unit.suppliers.fakes import FakeSuppliersUnitOfWork


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite's clock stands at ``NOW``; "today" is ``TODAY`` on every calendar."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda timezone=None: TODAY)


@pytest.fixture
def uow(fixed_clock: None) -> FakeSuppliersUnitOfWork:
    return FakeSuppliersUnitOfWork()
