"""Which code of the suite is measured: this working tree, another checkout, or a commit's snapshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from processes import ROOT, suite_root


def _git(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def snapshot(rev: str) -> Path:
    """The files of commit ``rev`` in a new temporary folder (``git archive``: the work tree and index are
    left alone); the suite then runs from there."""
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    if not commit:
        raise SystemExit(f"--commit {rev}: not a commit of this repository")
    folder = Path(tempfile.mkdtemp(prefix=f"sdo-bench-{commit[:10]}-"))
    archive = subprocess.Popen(["git", "archive", commit], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(folder)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"git archive {commit} failed")
    (folder / ".commit").write_text(commit + "\n")
    os.environ["SDO_BENCH_SUITE_ROOT"] = str(folder)
    return folder


def remove(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def describe() -> str:
    root = suite_root()
    marker = root / ".commit"
    if marker.exists():
        return f"commit {marker.read_text().strip()} (a snapshot of it)"
    head = _git("rev-parse", "HEAD", cwd=root)
    if not head:
        return f"the files in {root}"
    dirty = _git("status", "--porcelain", "--", "services", "shared", cwd=root)
    return f"{root} at {head}" + (" with uncommitted changes in services/ or shared/" if dirty else "")
