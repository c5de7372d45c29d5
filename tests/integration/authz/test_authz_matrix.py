"""Who may do what, tried: every route of every service x every role x own and other supplier."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.figures import Figures
from tests.integration.authz.matrix import (
    ANONYMOUS,
    KNOWN_DEVIATIONS,
    OTHER,
    OWN,
    STALE_ETAG,
    Caller,
    Request,
    Route,
    build,
    callers,
    expected,
    observed,
    routes,
)
from tests.integration.authz.world import AUDITOR, World, world

VARIANTS = ("plain", "conditional")


@dataclass
class Cell:
    route: Route
    caller: Caller
    variant: str
    expected: str
    status: int
    replayed: bool
    challenge: bool
    body_leak: bool
    unseeded: bool
    why: str | None = None

    @property
    def observed(self) -> str:
        return observed(self.status)

    @property
    def deviation(self) -> tuple[str, str, str, str, str]:
        return (self.route.service, self.route.method, self.route.path, self.caller.label, self.variant)

    @property
    def known_deviation(self) -> bool:
        known = KNOWN_DEVIATIONS.get(self.deviation)
        return known is not None and known[0] == self.status

    @property
    def agrees(self) -> bool:
        if self.known_deviation:
            return True
        if self.expected == "allowed" and self.unseeded:
            return self.observed in ("allowed", "404")  # a random id of a resource no seed made
        if self.expected == "allowed" and self.route.method == "GET":
            return self.status == 200 or (self.variant == "conditional" and self.status == 304)
        if self.expected == "401":
            return self.status == 401 and self.challenge
        return self.observed == self.expected

    @property
    def conditional_leak(self) -> bool:
        """A 304, 412 or 409 tells whoever gets it that the resource exists (and its version)."""
        refused = self.expected in ("401", "403", "404")
        return self.status in (304, 409, 412) and refused and not self.known_deviation

    @property
    def cross_supplier_success(self) -> bool:
        success = 200 <= self.status < 300 or self.status == 304
        return (self.caller.label == OTHER and self.route.scoped and success) or self.body_leak

    def show(self) -> str:
        return f"{self.route.label} as {self.caller.label} ({self.variant}): {self.status}, expected {self.expected}"


def _key(route: Route, variant: str) -> str:
    # One key per route and variant: the other supplier resends the owner's key, path and body.
    return f"authz-{variant}-{hashlib.sha256(route.label.encode()).hexdigest()[:24]}"


async def _walk(w: World) -> list[Cell]:
    people = callers(w.a.supplier_id, w.b.supplier_id)
    # A write is tried by the owner last, and with a stale If-Match before plainly: neither a deletion
    # nor a change by the owner makes what the others try meaningless.
    writers = [c for c in people if c.label != OWN] + [c for c in people if c.label == OWN]
    other = next(c for c in people if c.label == OTHER)
    found = routes(w.apps)
    # Reads first, so that no write (an exclusion, a closed project) changes what they find.
    ordered = [r for r in found if r.method == "GET"] + [r for r in found if r.method != "GET"]
    cells: list[Cell] = []
    for route in ordered:
        request = build(route, w.a.ids_for(route.service))
        reading = route.method == "GET"
        etag = None
        if reading:
            probe = await w.clients[route.service].get(request.url, params=request.params, headers=AUDITOR)
            etag = probe.headers.get("etag")
        for caller in people if reading else writers:
            for variant in VARIANTS if reading else tuple(reversed(VARIANTS)):
                headers = caller.headers()
                if not reading:
                    headers["Idempotency-Key"] = _key(route, variant)
                if variant == "conditional" and reading:
                    headers["If-None-Match"] = etag or "*"
                elif variant == "conditional":
                    headers["If-Match"] = STALE_ETAG
                cells.append(await _try(w, route, request, caller, variant, headers))
        last = cells[-1]
        if not reading and last.caller.label == OWN and 200 <= last.status < 300:
            # The other supplier resends the owner's request, key and all: its own answer, never a replay.
            headers = {**other.headers(), "Idempotency-Key": _key(route, "plain")}
            cells.append(await _try(w, route, request, other, "replay", headers))
    return cells


async def _try(w: World, route: Route, request: Request, caller: Caller, variant: str, headers: dict[str, str]) -> Cell:
    response = await w.clients[route.service].request(
        route.method, request.url, params=request.params, json=request.json, headers=headers
    )
    secrets = {OWN: w.b.secrets(), OTHER: w.a.secrets()}.get(caller.label, set())
    want, why = expected(route, caller)
    return Cell(
        route=route,
        caller=caller,
        variant=variant,
        expected=want,
        status=response.status_code,
        replayed=response.headers.get("idempotent-replayed") == "true",
        challenge=response.headers.get("www-authenticate", "").lower().startswith("bearer"),
        body_leak=200 <= response.status_code < 300 and any(secret in response.text for secret in secrets),
        unseeded=bool(request.unseeded),
        why=why,
    )


def _table(cells: list[Cell]) -> dict[str, dict[str, str]]:
    """route -> caller -> "plain/conditional" statuses (and the other supplier's resend), for the document."""
    table: dict[str, dict[str, str]] = {}
    for cell in sorted(cells, key=lambda c: VARIANTS.index(c.variant) if c.variant in VARIANTS else len(VARIANTS)):
        row = table.setdefault(cell.route.label, {})
        label = f"{cell.caller.label} resending" if cell.variant == "replay" else cell.caller.label
        row[label] = f"{row[label]}/{cell.status}" if label in row else str(cell.status)
    return table


@pytest.mark.timeout(600)
async def test_every_route_answers_every_role_and_supplier_as_its_rule_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, figures: Figures
) -> None:
    """Every `/api/` route of every service app (read from the apps, so a new route is in the matrix),
    called by no one, by every role of `shared.principal.Role`, and by a supplier on its own and on
    another supplier's real resources, plainly and with `If-None-Match` (the current ETag) or a stale
    `If-Match`: each answer is the one the route's `RoleRule` and the supplier scoping rule give
    (401 with a bearer challenge, 403, 404 for another supplier's resource, else served); no
    supplier succeeds on, or reads in any answer, another supplier's resources; no 304, 412 or 409
    answers a caller who may not act; another supplier resending the owner's `Idempotency-Key`
    gets its own answer, never the owner's."""
    async with world(tmp_path, monkeypatch) as w:
        cells = await _walk(w)
    found = {cell.route for cell in cells}
    services = Counter(route.service for route in found)
    people = {cell.caller.label for cell in cells}
    mismatches = [cell for cell in cells if not cell.agrees]
    leaks = [cell for cell in cells if cell.conditional_leak]
    crossed = [cell for cell in cells if cell.cross_supplier_success]
    replays = [cell for cell in cells if cell.replayed]
    resent = [cell for cell in cells if cell.variant == "replay"]
    other_scoped = [c for c in cells if c.caller.label == OTHER and c.route.scoped and c.expected == "404"]
    unseeded = sorted({cell.route.label for cell in cells if cell.unseeded})
    beyond = sorted({f"{c.route.label} as {c.caller.label}: {c.why}" for c in cells if c.why})
    deviations = sorted({c.deviation for c in cells if c.known_deviation})
    gone = sorted(set(KNOWN_DEVIATIONS) - set(deviations))

    figures.report(
        "authz_matrix",
        details={
            "matrix": _table(cells),
            "refused_beyond_the_guard": beyond,
            "known_deviations": [f"{' '.join(d[:3])} as {d[3]} ({d[4]}): {KNOWN_DEVIATIONS[d][1]}" for d in deviations],
            "unseeded_routes": unseeded,
        },
        routes=len(found),
        by_service=dict(sorted(services.items())),
        callers=len(people),
        cells=len(found) * len(people),
        requests=len(cells),
        expected=dict(sorted(Counter(cell.expected for cell in cells).items())),
        anonymous_401=sum(c.caller.label == ANONYMOUS and c.status == 401 and c.challenge for c in cells),
        other_supplier_404=sum(c.status == 404 for c in other_scoped),
        mismatches=len(mismatches),
        cross_supplier_successes=len(crossed),
        conditional_leaks=len(leaks),
        keys_resent_by_other_supplier=len(resent),
        idempotent_replays=len(replays),
        known_deviations=len(deviations),
        unseeded_routes=len(unseeded),
    )
    assert len(found) >= 40 and len(services) >= 3, services
    assert {ANONYMOUS, OWN, OTHER} <= people
    assert not mismatches, "\n".join(cell.show() for cell in mismatches[:40])
    assert not crossed, "\n".join(cell.show() for cell in crossed[:40])
    assert not leaks, "\n".join(cell.show() for cell in leaks[:40])
    assert not replays, "\n".join(cell.show() for cell in replays[:40])
    assert other_scoped and all(c.status == 404 for c in other_scoped)
    assert resent, "no write of the owner succeeded: the other supplier's resend of its key was not tried"
    assert not gone, f"no longer seen, remove from KNOWN_DEVIATIONS: {gone}"
