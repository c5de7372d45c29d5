"""RFC 9457 problem details: the one error shape every endpoint answers with.

``title``, ``detail`` and ``errors[].message`` are answered in the language ``Accept-Language``
asks for among English, Russian and Kazakh (``shared.i18n``), with ``Content-Language``; every
other member (``type``, ``status``, ``errors[].field``, codes) is the same in every language.
"""

from __future__ import annotations

import http
from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from shared import errors, i18n
from shared.http.responses import PROBLEM_CONTENT_TYPE, problem_response
from shared.http.routes import allowed_methods, served_routes

log = structlog.get_logger("sdo.http")

PROBLEM_BASE = "urn:sdo:problem:"


class Problem(Exception):
    """An error the API answers on purpose: raise it anywhere below a route."""

    status: int = 400
    slug: str | None = None

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        slug: str | None = None,
        headers: Mapping[str, str] | None = None,
        template: str | None = None,
        params: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        self.title = title or http.HTTPStatus(self.status).phrase
        self.headers = dict(headers or {})
        # What the detail was built from, for its translations (``shared.i18n``).
        self.template = template
        self.params = dict(params or {})
        self.extra = extra

    def body(self, language: str | None = None) -> dict[str, Any]:
        """The problem+json body, in ``language`` (default: the one negotiated for the current request)."""
        type_ = PROBLEM_BASE + self.slug if self.slug else "about:blank"
        body = {"type": type_, "title": self.title, "status": self.status, "detail": self.detail, **self.extra}
        language = language or i18n.current_language()
        return body if language == i18n.DEFAULT_LANGUAGE else localized(body, language, self.template, self.params)


def localized(
    body: dict[str, Any], language: str, template: str | None = None, params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The body with its human-readable texts in ``language`` where the catalogues have them."""
    out = dict(body)
    out["title"] = i18n.translate(str(body["title"]), language) or body["title"]
    out["detail"] = i18n.translate(str(body["detail"]), language, template, params) or body["detail"]
    if isinstance(body.get("errors"), list):
        out["errors"] = [
            {**e, "message": i18n.translate(e["message"], language) or e["message"]}
            if isinstance(e, dict) and isinstance(e.get("message"), str)
            else e
            for e in body["errors"]
        ]
    return out


class BadRequest(Problem):
    status, slug = 400, "bad-request"


class Unauthorized(Problem):
    status, slug = 401, "unauthorized"

    def __init__(self, detail: str, *, error: str | None = "invalid_token") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": bearer_challenge(error, detail)})


def bearer_challenge(error: str | None, description: str) -> str:
    """RFC 6750 challenge. No error code when no credentials were sent; the description is
    reduced to the characters a quoted auth-param may hold (no '"', no '\\', printable ASCII)."""
    if error is None:
        return 'Bearer realm="sdo"'
    safe = "".join(c if " " <= c <= "~" and c not in '"\\' else "'" if c == '"' else " " for c in description)
    return f'Bearer realm="sdo", error="{error}", error_description="{safe}"'


class Forbidden(Problem):
    status, slug = 403, "forbidden"


class NotFound(Problem):
    status, slug = 404, "not-found"


class Conflict(Problem):
    status, slug = 409, "conflict"


class PreconditionFailed(Problem):
    status, slug = 412, "precondition-failed"


class ValidationProblem(Problem):
    """422 naming each field: ``errors: [{"field", "message"}]``."""

    status, slug = 422, "validation-error"

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None, **extra: Any) -> None:
        fields = ", ".join(e["field"] for e in errors)
        template, params = ("Invalid input: {fields}", {"fields": fields}) if detail is None else (None, None)
        super().__init__(
            detail or f"Invalid input: {fields}",
            title="Unprocessable Content",
            template=template,
            params=params,
            errors=errors,
            **extra,
        )


class ServiceUnavailable(Problem):
    status, slug = 503, "unavailable"

    def __init__(self, detail: str, *, retry_after: int = 5, **extra: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, **extra)


# The one mapping of domain errors to HTTP: the most specific kind first.
_STATUS_OF: tuple[tuple[type[errors.DomainError], int], ...] = (
    (errors.NotFound, 404),
    (errors.InvalidInput, 422),
    (errors.NotPermitted, 403),
    (errors.StaleVersion, 412),
    (errors.DomainError, 409),
)


def problem_for(exc: errors.DomainError) -> Problem:
    """The problem+json a domain error stands for."""
    status = next(code for kind, code in _STATUS_OF if isinstance(exc, kind))
    if isinstance(exc, errors.InvalidInput):
        return ValidationProblem(exc.errors, **exc.details)
    return Problem(exc.message, status=status, slug=exc.code, template=exc.template, params=exc.params, **exc.details)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        source = str(parts.pop(0))
        if not parts:
            return source
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        message = str(err.get("msg", "invalid"))
        # pydantic prefixes messages of custom validators with "Value error, "; drop the noise.
        message = message.removeprefix("Value error, ")
        out.append({"field": _field_path(err.get("loc", ())), "message": message})
    return out


async def _on_problem(request: Request, exc: Problem) -> Response:
    return problem_response(exc.body(i18n.language_of(request.headers)), exc.status, exc.headers)


async def _on_domain_error(request: Request, exc: errors.DomainError) -> Response:
    return await _on_problem(request, problem_for(exc))


async def _on_validation(request: Request, exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return await _on_problem(request, BadRequest("The request body is not valid JSON.", slug="malformed-json"))
    return await _on_problem(request, ValidationProblem(validation_errors(errors)))


async def _on_http(request: Request, exc: StarletteHTTPException) -> Response:
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else http.HTTPStatus(status).phrase
    headers = dict(exc.headers or {})
    template: str | None = None
    params = {"method": request.method, "path": request.url.path}
    if status == 404 and detail == "Not Found":
        template = "No resource at {path}."
        detail = template.format_map(params)
    if status == 405:
        template = "{method} is not allowed on {path}."
        detail = template.format_map(params)
        # Starlette's own Allow names only the first route at this path; name every one.
        allowed = allowed_methods(served_routes(request.app.router.routes), request.scope)
        if allowed:
            headers["Allow"] = ", ".join(sorted(allowed))
    problem = Problem(detail, status=status, headers=headers, template=template, params=params)
    return await _on_problem(request, problem)


def _internal_error(request: Request, exc: Exception, headers: Mapping[str, str] | None = None) -> Response:
    # The request id is named explicitly: Starlette reaches this handler after the middleware unbound it.
    log.error(
        "unhandled_error",
        path=request.url.path,
        method=request.method,
        request_id=request.scope.get("sdo.request_id"),
        exc_info=exc,
    )
    problem = Problem("An unexpected error occurred; it has been logged.", status=500, slug="internal")
    # Answered past the middleware that marks translated answers, so marked here.
    language = i18n.language_of(request.headers)
    if language != i18n.DEFAULT_LANGUAGE:
        headers = {**(headers or {}), "Content-Language": language, "Vary": "Accept-Language"}
    return problem_response(problem.body(language), 500, headers)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    # Starlette answers this one outside the middleware stack, so the request id is added here.
    headers = {}
    request_id = request.scope.get("sdo.request_id")
    if request_id:
        headers["X-Request-ID"] = request_id
    return _internal_error(request, exc, headers)


_UNIQUE_SQLITE_CODES = {1555, 2067}  # SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE


def database_problem(exc: DBAPIError) -> Problem | None:
    """The problem a database error stands for when the input caused it; None for a real fault.

    A safety net: handlers should check first, but a race or a missed bound must not become a 500.
    """
    orig = exc.orig
    sqlstate = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    if isinstance(exc, IntegrityError) and (
        sqlstate == "23505" or getattr(orig, "sqlite_errorcode", None) in _UNIQUE_SQLITE_CODES
    ):
        return Conflict("The request conflicts with an existing resource.", slug="duplicate")
    # SQLSTATE class 22 (data exception: too long, out of range, NUL in text) or a parameter the
    # driver could not encode (asyncpg's DataError is a ValueError).
    if sqlstate.startswith("22") or isinstance(getattr(orig, "__cause__", None), ValueError):
        return Problem(
            "A value in the request cannot be stored or compared (too long, out of range, or invalid characters).",
            status=422,
            slug="validation-error",
            title="Unprocessable Content",
            errors=[],
        )
    return None


# SQLSTATE of a database that cannot serve now (not of a bad request): connection exceptions (08),
# too many connections (53300), shutting down or starting up (57P01-57P03).
_UNAVAILABLE_SQLSTATES = ("08", "53300", "57P01", "57P02", "57P03")
DATABASE_RETRY_AFTER = 1


def database_unavailable(exc: DBAPIError) -> bool:
    """True when the database could not take the request now: the caller may retry it unchanged."""
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
    return exc.connection_invalidated or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


async def _on_database_error(request: Request, exc: DBAPIError) -> Response:
    if database_unavailable(exc):
        # Nothing was applied (the transaction never began or was rolled back): 503, retry, not 500.
        log.error("database_unavailable", path=request.url.path, error=str(exc.orig)[:200])
        unavailable = ServiceUnavailable(
            "The database is not answering now; retry shortly.", retry_after=DATABASE_RETRY_AFTER
        )
        return await _on_problem(request, unavailable)
    problem = database_problem(exc)
    if problem is None:
        return _internal_error(request, exc)
    log.warning("database_rejected_request", path=request.url.path, error=type(exc.orig).__name__)
    return await _on_problem(request, problem)


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error (framework, domain, unexpected) to problem+json, in one place."""
    app.add_exception_handler(Problem, _on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(errors.DomainError, _on_domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _on_database_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "PreconditionFailed",
    "Problem",
    "ServiceUnavailable",
    "Unauthorized",
    "ValidationProblem",
    "install_problem_handlers",
    "problem_for",
]
