"""Drive a target with wrk (Debian's package) and the Lua scripts in benchmarks/lua/."""

from __future__ import annotations

import json
import math
import shlex
import subprocess
import tempfile
from pathlib import Path
from uuid import uuid4

from load import LoadResult, LoadSettings, Target

LUA = Path(__file__).resolve().parent / "lua"


def _shown(command: list[str]) -> str:
    """The command as RESULTS.md shows it: the bearer token and temporary files named, not spelled out."""
    shown = []
    for part in command:
        if part.startswith("Authorization: Bearer "):
            shown.append('"Authorization: Bearer $TOKEN"')
            continue
        if part.startswith(str(LUA)):
            part = f"benchmarks/lua/{Path(part).name}"
        shown.append(shlex.quote(Path(part).name if part.startswith(tempfile.gettempdir()) else part))
    return " ".join(shown)


def wrk_command(target: Target, settings: LoadSettings, seconds: float, workdir: Path) -> list[str]:
    slots = workdir / "slots.txt"
    command = ["wrk", "-t", str(settings.threads), "-c", str(settings.connections)]
    # wrk takes whole seconds.
    command += ["-d", f"{max(1, math.ceil(seconds))}s", "--timeout", f"{math.ceil(settings.timeout)}s"]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    if target.body is None:
        etags = target.etags or ["-"] * len(target.paths)
        slots.write_text("".join(f"{p}\t{e}\n" for p, e in zip(target.paths, etags, strict=True)))
        return [*command, "-s", str(LUA / "get.lua"), target.base_url, "--", str(slots), str(target.expect)]
    slots.write_text("".join(f"{p}\n" for p in target.paths))
    body = workdir / "body.json"
    body.write_text(target.body)
    script = ["-s", str(LUA / "post.lua"), target.base_url, "--", str(slots), str(target.expect), str(body)]
    return [*command, *script, uuid4().hex[:10]]


def run_wrk(target: Target, settings: LoadSettings, seconds: float) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="sdo-wrk-") as workdir:
        command = wrk_command(target, settings, seconds, Path(workdir))
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + settings.timeout + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr.strip()}\n{done.stdout}")
    report = json.loads(line.removeprefix("WRK_JSON "))
    return LoadResult(
        requests=report["requests"],
        seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        unexpected=report["unexpected"],
        last_unexpected=report["last_unexpected"] or None,
        socket_errors=report["socket_errors"],
        command=_shown(command),
    )
