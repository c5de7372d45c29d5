"""Render ``docs/RELIABILITY.md`` from the figures the last run kept.

    .venv/bin/python -m pytest tests/faults tests/integration/authz
    .venv/bin/python -m tests.faults.report            # writes docs/RELIABILITY.md
    .venv/bin/python -m tests.faults.report --check    # exit 1 when the page is not what the figures say

The figures file (``var/reliability/figures.json``, or ``SDO_RELIABILITY_FIGURES``) holds each test's
last entry: its promise (the test's docstring), its figures, the line it printed, its outcome,
duration, commit and machine. Nothing on the page is written by hand but the prose below.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tests.faults.figures import FIGURES_PATH, ROOT

OUTPUT = ROOT / "docs" / "RELIABILITY.md"

TITLES = {
    "broker_restart": "The broker stopped and started under 200 awards",
    "process_kill": "Service processes SIGKILLed ten times during 100 lifecycles",
    "award_declined_each_reason": "An award declined for each reason, then awarded again",
    "rejected_rework_accepted": "A lot rejected, reworked and accepted",
    "cancelled_during_inspection": "An order cancelled during inspection",
    "authz_matrix": "The authorization matrix",
}
ORDER = list(TITLES)
# The figures the summary shows, where a test has them.
MUST_HOLD = (
    "lost",
    "applied_twice",
    "unsent",
    "declined_with_that_reason_only",
    "re_awarded_and_contracted",
    "second_verdict",
    "inspection_rounds",
    "closed_reason",
    "measurement_after_cancel",
    "mismatches",
    "cross_supplier_successes",
    "conditional_leaks",
)

# What a figure means, wherever it appears.
MEANINGS = {
    "lost": "events routed to a consumer's queue (by the broker's bindings) that are not in its inbox",
    "applied_twice": "transitions an order's history holds more often than its path draws them",
    "wrong_path": "orders whose history is not exactly their expected path",
    "unsent": "outbox rows without `sent_at`, in every service's database, after the run",
    "routed": "events, per consumer, that producers committed and the broker routes to that consumer",
    "queued_at_stop": "messages in the registry's queue when the node was stopped",
    "queued_after_restart": "messages in that queue once the restarted node had recovered it",
    "consumed_after_restart": "award requests handed to the broker before the stop and applied after the restart",
    "outbox_backlog_while_down": "events waiting in the orders outbox while the broker was down",
    "awarded_while_broker_down": "orders created, published and awarded while the node was stopped",
    "queue_types": "types of the services' queues after the restart",
    "plans": "acceptance plans quality made from `order.contracted`",
    "orders_awarded": "the registry's scorecard count of contracts",
    "outage_seconds": "how long the node was down (reported, never asserted)",
    "http_retries": "client calls retried (connection refused or cut, 503, key in flight), same key and body",
    "kills": "SIGKILLs delivered, each followed by a restart",
    "killed": "SIGKILLs per service",
    "seed": "the seed of the kill moments and victims (`SDO_FAULTS_SEED=<seed>` draws them again)",
    "ended_where_expected": "orders whose final status is the end of their path",
    "wrong_inspection_rounds": "orders with another number of inspections than their path draws",
    "scorecard_counted_twice": "contracts, lots and deliveries the scorecard counted beyond the truth",
    "duplicates_skipped": "redeliveries the consumers' inboxes skipped, read from /metrics before each kill",
    "cross_supplier_successes": "answers that served a supplier another supplier's resource, or showed its ids",
    "conditional_leaks": "304, 412 or 409 answered to a caller the rules refuse (401, 403 or 404)",
    "mismatches": "cells whose answer is not the one the route's rule and the scoping rule give",
    "idempotent_replays": "answers replayed from another caller's Idempotency-Key",
    "keys_resent_by_other_supplier": "owner's successful writes resent by another supplier with the same key",
    "unseeded_routes": "routes addressed with an id no seed made (their cells check 401/403 only)",
    "known_deviations": "answers that differ from the rules, listed below with why",
    "orders": "orders created, published and awarded",
    "contracted": "orders in `contracted` at the end (the orders list, by status)",
    "node_starts": "starts of the test's own RabbitMQ node",
    "node_stops": "`rabbitmqctl stop` of that node",
    "lifecycles": "orders walked through a whole path",
    "paths": "orders per path",
    "reasons": "decline reasons tried",
    "declined_with_that_reason_only": "orders whose kept `award_decline_reason` is the one reason tried",
    "eligibility_agrees": "suppliers whose eligibility check names that one reason",
    "re_awarded_and_contracted": "the same orders, awarded again to an eligible supplier, in `contracted`",
    "decline_kept_in_history": "orders whose history is draft, published, award_pending, published, award_pending, "
    "contracted",
    "awarded_to_declined_suppliers": "contracts the declined suppliers' scorecards count",
    "first_verdict": "the first inspection's verdict",
    "nonconformities": "the requirements it names as failed",
    "second_verdict": "the verdict on the reworked lot",
    "inspection_rounds": "the order's `inspection_rounds`",
    "certificates": "certificates issued for the order",
    "final_status": "the order's status at the end",
    "lots_inspected": "lots the scorecard counts as inspected by this test",
    "lots_accepted": "lots the scorecard counts as accepted by this test",
    "order_status": "the order's status after the cancellation",
    "inspection_status": "the open inspection's status after `order.cancelled`",
    "closed_reason": "why it closed",
    "certificate": "its certificate",
    "measurement_after_cancel": "the answer to a measurement sent after the cancellation",
    "quality_bound_to_order_cancelled": "whether the broker binds `order.cancelled` to `sdo.quality`",
    "verdict_events": "lot verdict events quality published for the order",
    "routes": "`/api/` routes (method and path) read from the apps",
    "by_service": "routes per service",
    "callers": "no token, each role, and the supplier role as owner and as another supplier",
    "cells": "routes x callers",
    "requests": "requests sent (plain and conditional per cell, and the resends)",
    "expected": "cells' requests by the answer the rules give",
    "anonymous_401": "answers without a token that are 401 with a bearer challenge",
    "other_supplier_404": "another supplier's requests on the owner's resources answered 404",
}

PREAMBLE = """# Reliability: faults suffered, and who may do what

Generated by `python -m tests.faults.report` from the figures of the last run; do not edit by hand.
Each section is one test: the promise it checks (its docstring), the figures it printed as one line
and asserted, and when and where it ran. Figures named *seconds* are reported, never asserted: the
tests bound how long they wait, they do not time anything.

Run them (PostgreSQL and RabbitMQ up, as for the rest of the suite; `.ci/run` runs them too):

```
.venv/bin/python -m pytest tests/faults tests/integration/authz
.venv/bin/python -m tests.faults.report
```

## What is real here

- **The broker itself stops.** `tests/faults/rabbit_node.py` starts a RabbitMQ node of the test's own:
  node name `sdo-fault-<random>@localhost`, `RABBITMQ_MNESIA_BASE` and `RABBITMQ_LOG_BASE` under the
  test's tmp directory, its own `RABBITMQ_DIST_PORT`, a `RABBITMQ_CONFIG_FILE` whose
  `listeners.tcp.1` is a free port of 127.0.0.1, an empty `RABBITMQ_ENABLED_PLUGINS_FILE` (no
  management listener to clash) and an empty `RABBITMQ_CONF_ENV_FILE` (the machine's
  `rabbitmq-env.conf` names `rabbit@localhost`). It runs the real scripts (on Debian
  `/usr/lib/rabbitmq/bin/rabbitmq-server`, not the wrapper that switches to the `rabbitmq` user)
  with `HOME` in the tmp directory and an Erlang cookie of its own, so `rabbitmqctl -n <node>`
  (`await_startup`, `list_queues`, `stop`) works for whoever runs the test. It is stopped with
  `rabbitmqctl stop` and started again on the same data; the machine's broker keeps serving the
  other tests.
- **Processes die.** The services run as `sdo serve <service>` processes on PostgreSQL, each on a
  database of its own, and are SIGKILLed (no shutdown of any kind) and started again on the same port.
- **The checks read the truth.** Lost, applied twice and unsent are counted in the services'
  databases (outboxes, inboxes, order history, inspections) against the broker's own bindings
  (`rabbitmqctl list_bindings`), not from the tests' bookkeeping.
"""


def load(path: Path) -> dict[str, dict[str, Any]]:
    data = json.loads(path.read_text())
    tests: dict[str, dict[str, Any]] = data.get("tests", {})
    return tests


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "-"
    return "null" if value is None else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rank(item: tuple[str, dict[str, Any]]) -> tuple[int, str]:
    name = item[1].get("name", "")
    return (ORDER.index(name) if name in ORDER else len(ORDER), item[0])


def _matrix(table: dict[str, dict[str, str]]) -> list[str]:
    columns: list[str] = []
    for row in table.values():
        columns += [c for c in row if c not in columns]
    lines = ["| route | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for route in sorted(table):
        row = table[route]
        lines.append(f"| `{route}` | " + " | ".join(row.get(c, "") for c in columns) + " |")
    return lines


def render(tests: dict[str, dict[str, Any]]) -> str:
    entries = sorted(tests.items(), key=_rank)
    out = [PREAMBLE, "## Summary", "", "| test | outcome | figures that must hold | duration | commit |"]
    out.append("|---|---|---|---|---|")
    for nodeid, entry in entries:
        figures = entry.get("figures", {})
        keys = [key for key in MUST_HOLD if key in figures] or list(figures)[:3]
        held = ", ".join(f"{key} {_value(figures[key])}" for key in keys)
        title = TITLES.get(entry.get("name", ""), entry.get("name", nodeid))
        out.append(
            f"| [{title}](#{_anchor(title)}) | {entry.get('outcome')} | {held or '-'} | "
            f"{entry.get('duration_seconds')} s | {entry.get('commit') or '-'} |"
        )
    total = sum(float(entry.get("duration_seconds") or 0) for _, entry in entries)
    out += ["", f"Together {total:.0f} s of test time.", ""]
    for nodeid, entry in entries:
        out += _section(nodeid, entry)
    return "\n".join(out).rstrip() + "\n"


def _anchor(title: str) -> str:
    kept = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -")
    return kept.replace(" ", "-")


def _section(nodeid: str, entry: dict[str, Any]) -> list[str]:
    title = TITLES.get(entry.get("name", ""), entry.get("name", nodeid))
    machine = entry.get("machine", {})
    load = machine.get("load_average")
    out = [f"## {title}", "", f"`{nodeid}`", "", "**Promise.** " + " ".join(entry.get("promise", "").split()), ""]
    out += ["| figure | value | meaning |", "|---|---|---|"]
    for key, value in entry.get("figures", {}).items():
        out.append(f"| `{key}` | {_cell(_value(value))} | {_cell(MEANINGS.get(key, ''))} |")
    out += ["", "Printed:", "", "```", entry.get("line", ""), "```", ""]
    ran = (
        f"Outcome **{entry.get('outcome')}** in {entry.get('duration_seconds')} s, finished "
        f"{entry.get('finished_at')}, commit `{entry.get('commit') or '-'}`, {machine.get('cpus')} CPUs"
    )
    ran += f", load average {', '.join(str(x) for x in load)}" if load else ""
    out += [ran + f", Python {machine.get('python')}.", ""]
    if entry.get("failure"):
        out += [f"Failure: `{_cell(entry['failure'])}`", ""]
    details = entry.get("details") or {}
    for key in ("known_deviations", "refused_beyond_the_guard", "unseeded_routes"):
        if details.get(key):
            out += [f"**{key.replace('_', ' ').capitalize()}:**", ""] + [f"- {_cell(item)}" for item in details[key]]
            out.append("")
    if details.get("matrix"):
        out += [
            "<details><summary>Every cell: the status of the plain request / of the conditional one "
            "(<code>If-None-Match</code> with the current ETag on a read, a stale <code>If-Match</code> "
            "on a write); <i>resending</i> is the other supplier resending the owner's request and key</summary>",
            "",
            *_matrix(details["matrix"]),
            "",
            "</details>",
            "",
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=Path, default=FIGURES_PATH)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail when the page differs from the figures")
    args = parser.parse_args(argv)
    page = render(load(args.figures))
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != page:
            print(f"{args.output} is not what {args.figures} says; run python -m tests.faults.report", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(page)
    print(f"wrote {args.output} from {args.figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
