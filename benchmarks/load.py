"""What a scenario drives and what the load generator reports, and the choice between generators."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """Requests to send over and over: GETs of ``paths`` (with their ETags as ``If-None-Match``
    when given) or POSTs of ``body`` to them, where each ``{{n}}`` becomes a token unique to the
    request. Each path is a slot; requests go round the slots."""

    base_url: str
    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    etags: list[str] | None = None
    body: str | None = None
    expect: int = 200

    @property
    def method(self) -> str:
        return "GET" if self.body is None else "POST"


@dataclass(frozen=True)
class LoadSettings:
    connections: int = 32
    threads: int = 2
    duration: float = 10.0
    warmup: float = 2.0
    timeout: float = 30.0
    generator: str = "auto"  # auto (wrk when installed), wrk, python

    def chosen(self) -> str:
        if self.generator != "auto":
            return self.generator
        return "wrk" if shutil.which("wrk") else "python"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    # Responses whose status was not the expected one, and the last such status.
    unexpected: int
    last_unexpected: int | None
    # Connect, read, write errors and timeouts.
    socket_errors: int
    command: str

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def errors(self) -> int:
        return self.unexpected + self.socket_errors


def drive(target: Target, settings: LoadSettings, duration: float | None = None) -> LoadResult:
    seconds = settings.duration if duration is None else duration
    if settings.chosen() == "wrk":
        from wrk_load import run_wrk

        return run_wrk(target, settings, seconds)
    from python_load import run_python

    return run_python(target, settings, seconds)


def measure(target: Target, settings: LoadSettings) -> LoadResult:
    """A warm-up (not counted), then the measured run."""
    if settings.warmup > 0:
        drive(target, settings, settings.warmup)
    return drive(target, settings)
