"""The app's routes as they are served: included routers' prefixes applied.

Recent FastAPI keeps an included router as one lazy entry in ``app.routes`` and puts the router's
own (unprefixed) ``APIRoute`` in ``scope["route"]``; everything that needs the real path template
(metrics labels, the ``Allow`` header, route-guard checks) goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

_iter_route_contexts: Any
try:
    from fastapi.routing import iter_route_contexts as _iter_route_contexts
except ImportError:  # older FastAPI: app.routes is already flat
    _iter_route_contexts = None


def served_routes(routes: Sequence[BaseRoute]) -> list[Any]:
    """Each served route, with ``path``/``path_format`` (prefix included), ``methods``, ``matches(scope)``,
    ``original_route`` and, for FastAPI routes, ``dependant``."""
    if _iter_route_contexts is None:
        return list(routes)
    return list(_iter_route_contexts(routes))


def original_route(served: Any) -> Any:
    return getattr(served, "original_route", served)


def allowed_methods(routes: Iterable[Any], scope: Scope) -> set[str]:
    """Every method the resource at the scope's path serves: the routes of the template that matches first.

    Routes of other templates that would also match (``/orders/{order_id}`` for ``/orders/changes``) are
    another resource in the document; their methods are not this one's.
    """
    methods: set[str] = set()
    template: str | None = None
    for route in routes:
        route_methods = getattr(route, "methods", None)
        if not route_methods or route.matches(scope)[0] == Match.NONE:
            continue
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
        template = template or path
        if path == template:
            methods |= set(route_methods)
    return methods


class RouteTemplates:
    """Finds the path template of the route that served a request, in O(1) after the first call."""

    def __init__(self) -> None:
        self._routes_id: int | None = None
        self._templates: dict[int, list[Any]] = {}

    def _index(self, routes: Sequence[BaseRoute]) -> None:
        templates: dict[int, list[Any]] = {}
        for served in served_routes(routes):
            templates.setdefault(id(original_route(served)), []).append(served)
        self._templates = templates
        self._routes_id = id(routes)

    def template(self, scope: Scope) -> str | None:
        route = scope.get("route")
        if route is None:
            return None
        app = scope.get("app")
        routes = getattr(getattr(app, "router", None), "routes", None)
        if routes is not None and (self._routes_id != id(routes) or id(route) not in self._templates):
            self._index(routes)
            self._templates.setdefault(id(route), [])  # not served through app.routes: index once only
        candidates = self._templates.get(id(route), [])
        if len(candidates) > 1:
            # One router included at two prefixes: the one whose pattern matches this request.
            candidates = [c for c in candidates if c.matches(scope)[0] != Match.NONE] or candidates
        served = candidates[0] if candidates else route
        return getattr(served, "path_format", None) or getattr(served, "path", None)
