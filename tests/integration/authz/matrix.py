"""The authorization matrix: every /api/ route of every app x every role x own and other supplier.

The routes are read from the apps (a route added tomorrow is in tomorrow's matrix); the expected
answer of a cell comes from the route's ``RoleRule`` (every one in its dependency tree) and the
supplier scoping rule, never from a list written here:

- no token: 401 with a bearer challenge;
- a role the route's rule does not admit: 403;
- a supplier addressing another supplier's resource (a path id of a supplier-owned resource): 404,
  so existence is not leaked; a resource its creator owns (a webhook) answers 404 to anyone but
  its owner and, reading, an auditor;
- otherwise the caller may act: a read answers 200 (304 to a current ``If-None-Match``), a write
  anything but 401/403/404 or a server error.

Requests are built from the app's own OpenAPI document: path ids from the seeded resources by
parameter name, required query parameters from their examples, enums or defaults, bodies from the
schema's example with the ids swapped for seeded ones, so a supplier's request reaches the handler
(and its scoping), not the validator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

from shared.auth import Principal, Role, RoleRule
from shared.http.routes import served_routes
from tests.support import auth

ANONYMOUS = "anonymous"
OWN, OTHER = "supplier(own)", "supplier(other)"
# Path parameters that name something of one supplier's (the fund's enterprise is a supplier).
GLOBAL_PARAMETERS = frozenset({"currency"})
# Where the service's rule is stricter than its route's guard, and the contract says so.
REFUSED_BEYOND_THE_GUARD: dict[tuple[str, str, str, str], str] = {
    ("fund", "POST", "/api/v1/projects/{project_id}/endorse", Role.INTEGRATION.value): (
        "contract section 9: endorse is mod_officer only; in the fund, integration stands for fund_officer"
    ),
}
# Resources that belong to the caller who made them, not to every reader of the service: only their
# owner and, reading, an auditor learn that they exist (``shared/webhooks/routes.py``).
CREATOR_OWNED = frozenset({"webhook_id"})
# Answers that differ from the rules, seen and explained; one that stops happening fails the test,
# so the entry goes with the fix. (service, method, path, caller, variant) -> (status, why).
KNOWN_DEVIATIONS: dict[tuple[str, str, str, str, str], tuple[int, str]] = {}
STALE_ETAG = '"999999"'


def rules(dependant: Dependant) -> Iterator[RoleRule]:
    if isinstance(dependant.call, RoleRule):
        yield dependant.call
    for child in dependant.dependencies:
        yield from rules(child)


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    rules: tuple[RoleRule, ...] = field(compare=False)
    operation: dict[str, Any] = field(compare=False, repr=False)
    components: dict[str, Any] = field(compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.service} {self.method} {self.path}"

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"\{(\w+)(?::\w+)?\}", self.path)

    @property
    def scoped(self) -> bool:
        """Whether the path names a resource that belongs to one supplier."""
        return any(name not in GLOBAL_PARAMETERS for name in self.parameters)

    def admits(self, principal: Principal) -> bool:
        return all(rule.admits(principal) for rule in self.rules)


def routes(apps: dict[str, FastAPI]) -> list[Route]:
    found: list[Route] = []
    for service, app in sorted(apps.items()):
        document = app.openapi()
        for served in served_routes(app.routes):
            path = getattr(served, "path", "") or ""
            dependant = getattr(served, "dependant", None)
            if not path.startswith("/api/") or dependant is None:
                continue
            documented = re.sub(r"\{(\w+):\w+\}", r"{\1}", path)
            for method in sorted(served.methods or ()):
                if method in ("HEAD", "OPTIONS"):
                    continue
                operation = document["paths"].get(documented, {}).get(method.lower(), {})
                found.append(
                    Route(
                        service,
                        method,
                        path,
                        tuple(rules(dependant)),
                        operation,
                        document.get("components", {}).get("schemas", {}),
                    )
                )
    return found


@dataclass(frozen=True)
class Caller:
    label: str
    role: str | None = None
    supplier_id: str | None = None

    def headers(self) -> dict[str, str]:
        if self.role is None:
            return {}
        return auth(self.role, supplier_id=self.supplier_id, sub=self.supplier_id or None)

    def principal(self) -> Principal | None:
        if self.role is None:
            return None
        supplier = UUID(self.supplier_id) if self.supplier_id else None
        return Principal(
            sub=self.supplier_id or f"{self.role}-user", roles=frozenset({self.role}), supplier_id=supplier
        )


def callers(own_supplier: str, other_supplier: str) -> list[Caller]:
    """No token; every role of ``shared.principal.Role`` (a role added there is in the matrix); the
    supplier role twice: the owner of the resources addressed and another supplier."""
    found = [Caller(ANONYMOUS)]
    found += [Caller(str(role), str(role)) for role in Role if role != Role.SUPPLIER]
    found += [Caller(OWN, Role.SUPPLIER.value, own_supplier), Caller(OTHER, Role.SUPPLIER.value, other_supplier)]
    return found


def expected(route: Route, caller: Caller) -> tuple[str, str | None]:
    """The class of answer the rules give (401, 403, 404 or allowed) and, when set, why beyond the guard."""
    principal = caller.principal()
    if principal is None:
        return "401", None
    if not route.admits(principal):
        return "403", None
    why = REFUSED_BEYOND_THE_GUARD.get((route.service, route.method, route.path, str(caller.role)))
    if why:
        return "403", why
    if any(name in CREATOR_OWNED for name in route.parameters):
        reads_all = caller.role == Role.AUDITOR.value and route.method == "GET"
        return ("allowed", None) if caller.label == OWN or reads_all else ("404", None)
    if caller.label == OTHER and route.scoped:
        return "404", None
    return "allowed", None


def observed(status: int) -> str:
    if status in (401, 403, 404):
        return str(status)
    if status >= 500:
        return "error"
    return "allowed"


# --- requests from the document ------------------------------------------------------------------


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        options = [s for s in schema.get(key, []) if s.get("type") != "null"]
        if options:
            return _resolve(options[0], components)
    return schema


def _example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    resolved = _resolve(schema, components)
    for key in ("examples", "example"):
        if key in resolved:
            value = resolved[key]
            return value[0] if key == "examples" and isinstance(value, list) else value
    if "enum" in resolved:
        return resolved["enum"][0]
    if "default" in resolved:
        return resolved["default"]
    return None


def _swap_ids(value: Any, ids: dict[str, Any]) -> Any:
    """The example's ids replaced by the seeded resources' of the same name (``order_ids`` too)."""
    if isinstance(value, dict):
        return {k: ids[k] if type(ids.get(k)) is type(v) else _swap_ids(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_ids(v, ids) for v in value]
    return value


@dataclass
class Request:
    method: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    unseeded: list[str] = field(default_factory=list)


def build(route: Route, ids: dict[str, str]) -> Request:
    url, unseeded = route.path, []
    documented = {p["name"]: p for p in route.operation.get("parameters", [])}
    for name in route.parameters:
        value = ids.get(name)
        if value is None:
            unseeded.append(name)
            kind = _resolve(documented.get(name, {}).get("schema", {}), route.components).get("type")
            value = "1" if kind == "integer" else str(uuid4())
        url = re.sub(r"\{" + name + r"(?::\w+)?\}", value.replace("\\", "\\\\"), url)
    params: dict[str, str] = {}
    for name, parameter in documented.items():
        if parameter.get("in") != "query":
            continue
        if name in ids:
            params[name] = ids[name]  # a filter on the owner's resource: another supplier must see none of it
        elif parameter.get("required"):
            example = parameter.get("example")
            if example is None:
                example = _example(parameter.get("schema", {}), route.components)
            assert example is not None, f"{route.label}: required query parameter {name} has no example"
            params[name] = str(example).lower() if isinstance(example, bool) else str(example)
    body = None
    if "requestBody" in route.operation:
        content = route.operation["requestBody"].get("content", {}).get("application/json", {})
        body = content.get("example")
        if body is None:
            body = _example(content.get("schema", {}), route.components)
        body = _swap_ids(body, {**ids, "order_ids": [ids["order_id"]]} if "order_id" in ids else ids)
    return Request(route.method, url, params, body, unseeded)
