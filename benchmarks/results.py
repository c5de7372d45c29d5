"""The results table, as printed and as written to RESULTS.md."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Row:
    scenario: str
    rate: float | None = None  # requests (or events) per second
    p50_ms: float | None = None
    p99_ms: float | None = None
    ratio: float | None = None
    basis: str = ""  # what the ratio is against
    errors: int | None = None
    note: str = ""
    unit: str = "req/s"


@dataclass
class Report:
    title: str
    mode: str
    preliminary: bool
    command: str
    rows: list[Row] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    servers: list[str] = field(default_factory=list)
    load_commands: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _number(value: float | None, digits: int = 0) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:,.{digits}f}"


def _ratio(row: Row) -> str:
    if row.ratio is None or math.isnan(row.ratio):
        return "—"
    return f"{row.ratio:.2f}x {row.basis}".strip()


def table(rows: list[Row]) -> str:
    lines = ["| scenario | rate | p50 ms | p99 ms | ratio | errors | notes |", "|---|---:|---:|---:|---|---:|---|"]
    for row in rows:
        rate = f"{_number(row.rate)} {row.unit}" if row.rate is not None else "—"
        errors = "—" if row.errors is None else str(row.errors)
        cells = [row.scenario, rate, _number(row.p50_ms, 1), _number(row.p99_ms, 1), _ratio(row), errors, row.note]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(report: Report) -> str:
    parts = [f"# {report.title}", ""]
    if report.preliminary:
        parts += [
            "**Preliminary.** Measured on a shared 2-core machine while other work ran on it; absolute numbers",
            "will move. The ratios (each against the bare app or the naive app of the same run) compare better.",
            "",
        ]
    parts += [f"Mode: {report.mode}.", "", table(report.rows), ""]
    if report.notes:
        parts += ["## How each figure is taken", "", *[f"- {note}" for note in report.notes], ""]
    parts += ["## Machine", "", "| | |", "|---|---|", *[f"| {k} | {v} |" for k, v in report.machine.items()], ""]
    parts += ["## Commands", "", "The harness:", "", "```", report.command, "```", ""]
    parts += ["Servers (`...`: values chosen by the run: ports, secret, database and vhost URLs):", "", "```"]
    parts += [
        *report.servers,
        "```",
        "",
        "Load, per scenario (`$TOKEN`: a bearer token from `sdo token`; `slots.txt`: the paths, and for"
        " 304 their ETags, that the scenario goes round, one a line; `body.json`: the POST body, each `{{n}}`"
        " in it replaced per request; the last argument of a POST: the run's prefix of those tokens):",
        "",
    ]
    parts += ["```", *[f"# {name}\n{command}" for name, command in report.load_commands], "```", ""]
    return "\n".join(parts)


def write(report: Report, path: Path) -> None:
    path.write_text(markdown(report))
