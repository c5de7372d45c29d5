"""One run: its options, the servers it started, the rows it measured, and how ratios are filled in."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from load import LoadResult, LoadSettings, Target, measure
from processes import Server
from results import Row


@dataclass(frozen=True)
class Options:
    sqlite: bool
    million: bool
    smoke: bool
    awards: int
    award_callers: int
    award_rate: float
    inspections: int
    relay_events: int
    relay_batch: int
    pool: int
    output: Path | None


@dataclass
class Run:
    options: Options
    load: LoadSettings
    log_dir: Path
    servers: list[Server] = field(default_factory=list)  # running now
    started_servers: list[Server] = field(default_factory=list)  # all the run started, for RESULTS.md
    rows: list[Row] = field(default_factory=list)
    load_commands: list[tuple[str, str]] = field(default_factory=list)
    bare_rates: list[float] = field(default_factory=list)
    naive_rate: float | None = None

    def started(self, *servers: Server) -> None:
        self.servers.extend(servers)
        self.started_servers.extend(s for s in servers if s not in self.started_servers)

    def drive(self, name: str, target: Target, note: str = "", basis: str = "bare") -> tuple[Row, LoadResult]:
        """Measure ``target`` and keep a row whose ratio is filled in against ``basis`` at the end."""
        print(f"  {name} ...", flush=True)
        result = measure(target, self.load)
        if result.last_unexpected is not None:
            note = f"{note}; last unexpected status {result.last_unexpected}".lstrip("; ")
        row = Row(name, result.per_second, result.p50_ms, result.p99_ms, basis=basis, errors=result.errors, note=note)
        self.rows.append(row)
        self.load_commands.append((name, result.command))
        print(f"    {result.per_second:,.0f} req/s  p50 {result.p50_ms:.1f} ms  p99 {result.p99_ms:.1f} ms", flush=True)
        return row, result

    def drive_in_turn(self, scenarios: list[tuple[str, Target, str]], rounds: int) -> list[Row]:
        """Measure each scenario ``rounds`` times, taking them in turn round after round, so a machine that
        gets busier or quieter during the run moves them all alike; each row has the mean of its rounds.
        Every other round goes in reverse order (A B, B A, ...), so neither of two scenarios measured side
        by side is always the one measured first."""
        measured: dict[str, list[LoadResult]] = {name: [] for name, _, _ in scenarios}
        for round_no in range(1, rounds + 1):
            for name, target, _ in scenarios if round_no % 2 else scenarios[::-1]:
                print(f"  {name} (round {round_no} of {rounds}) ...", flush=True)
                result = measure(target, self.load)
                measured[name].append(result)
                print(f"    {result.per_second:,.0f} req/s  p99 {result.p99_ms:.1f} ms", flush=True)
        rows = []
        for name, _, note in scenarios:
            results = measured[name]
            if rounds > 1:
                each = ", ".join(f"{r.per_second:,.0f}" for r in results)
                note = f"{note}; mean of {rounds} rounds ({each} req/s) taken in turn with the others".lstrip("; ")
            unexpected = [r.last_unexpected for r in results if r.last_unexpected is not None]
            if unexpected:
                note = f"{note}; last unexpected status {unexpected[-1]}".lstrip("; ")
            row = Row(
                name,
                statistics.fmean(r.per_second for r in results),
                statistics.fmean(r.p50_ms for r in results),
                statistics.fmean(r.p99_ms for r in results),
                basis="bare",
                errors=sum(r.errors for r in results),
                note=note,
            )
            self.rows.append(row)
            self.load_commands.append((name, results[-1].command))
            rows.append(row)
        return rows

    def bare(self, name: str, target: Target) -> None:
        _row, result = self.drive(name, target, basis="")
        self.bare_rates.append(result.per_second)

    def fill_ratios(self) -> None:
        bare = statistics.fmean(self.bare_rates) if self.bare_rates else None
        for row in self.rows:
            if row.rate is None or row.ratio is not None:
                continue
            if row.basis == "bare" and bare:
                row.ratio = row.rate / bare
            elif row.basis == "naive" and self.naive_rate:
                row.ratio = row.rate / self.naive_rate

    def broken(self) -> list[str]:
        """Scenarios that got no answer right, or some wrong: what a smoke run must not have."""
        return [row.scenario for row in self.rows if row.errors or row.rate == 0]
