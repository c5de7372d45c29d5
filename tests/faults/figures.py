"""The figures a reliability test prints, kept for ``docs/RELIABILITY.md``.

A test takes the ``figures`` fixture and calls ``figures.report(name, **values)`` once, before it
asserts: the values are printed as one line (``faults[name]: key=value ...``) and kept with the
test's promise (its docstring), outcome and duration. At the end of the session the entries of the
tests that ran are merged into a JSON file (``FIGURES_PATH``, or ``SDO_RELIABILITY_FIGURES``);
``python -m tests.faults.report`` renders the document from it.
"""

from __future__ import annotations

import fcntl
import inspect
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES_PATH = Path(os.environ.get("SDO_RELIABILITY_FIGURES") or ROOT / "var" / "reliability" / "figures.json")

_KEY = pytest.StashKey["Figures"]()
_PHASES = pytest.StashKey[dict[str, float]]()
# Entries of this session, by node id; written (merged into the file) at session end.
_pending: dict[str, dict[str, Any]] = {}


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        return ",".join(_format(v) for v in value) or "-"
    if isinstance(value, dict):
        return ",".join(f"{k}:{_format(v)}" for k, v in value.items()) or "-"
    return str(value)


def line_of(name: str, values: dict[str, Any]) -> str:
    return f"faults[{name}]: " + " ".join(f"{key}={_format(value)}" for key, value in values.items())


@dataclass
class Figures:
    """What one test reports; ``report`` may be called once."""

    nodeid: str
    promise: str
    module: str
    name: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def report(self, name: str, details: dict[str, Any] | None = None, **values: Any) -> str:
        """Print ``values`` as one line and keep them; ``details`` (e.g. a table) are kept, not printed."""
        assert self.name is None, "a test reports its figures once"
        self.name, self.values, self.details = name, values, details or {}
        line = line_of(name, values)
        print(f"\n{line}", flush=True)
        return line


def _git_commit() -> str | None:
    if os.environ.get("SDO_RELIABILITY_COMMIT"):
        return os.environ["SDO_RELIABILITY_COMMIT"]  # a run from an exported tree names its commit
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _machine() -> dict[str, Any]:
    try:
        load: list[float] | None = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpus": os.cpu_count(),
        "load_average": load,
        "python": platform.python_version(),
        "system": platform.system(),
    }


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    doc = inspect.getdoc(request.function) or ""
    kept = Figures(nodeid=request.node.nodeid, promise=doc, module=request.node.module.__name__)
    request.node.stash[_KEY] = kept
    return kept


def record_outcome(item: pytest.Item, report: pytest.TestReport) -> None:
    """Called from ``pytest_runtest_makereport`` for each phase: keeps the entry of a test that reported
    figures, with its outcome and the time of its setup (a module's processes too), call and teardown."""
    phases = item.stash.setdefault(_PHASES, {})
    phases[report.when] = report.duration
    kept = item.stash.get(_KEY, None)
    if kept is None or (kept.name is None and not report.failed):
        return
    entry = _pending.get(kept.nodeid)
    if entry is None:
        # A test that failed before it reported keeps an entry too, without figures: no stale success.
        entry = {
            "name": kept.name,
            "module": kept.module,
            "promise": kept.promise,
            "figures": kept.values,
            "details": kept.details,
            "line": line_of(kept.name, kept.values) if kept.name else "",
            "outcome": report.outcome,
            "commit": _git_commit(),
            "machine": _machine(),
        }
        _pending[kept.nodeid] = entry
    elif report.failed:
        entry["outcome"] = "failed"
    entry["duration_seconds"] = round(sum(phases.values()), 1)
    entry["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    if report.failed:
        entry["failure"] = str(report.longrepr).strip().splitlines()[-1][:500] if report.longrepr else "failed"


def flush(path: Path = FIGURES_PATH) -> None:
    """Merge this session's entries into the figures file (other tests' last entries are kept)."""
    if not _pending:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers each flush at their end: one at a time, each merging what the last wrote.
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            stored = {}
        tests = stored.get("tests", {}) if isinstance(stored, dict) else {}
        for nodeid, entry in _pending.items():
            if entry["name"] is None:  # failed before reporting: the name it had last time
                entry["name"] = tests.get(nodeid, {}).get("name") or nodeid.rsplit("::", 1)[-1]
        tests.update(_pending)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"tests": dict(sorted(tests.items()))}, indent=2, default=str) + "\n")
        tmp.replace(path)
    _pending.clear()
