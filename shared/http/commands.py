"""Runs a state-changing request: idempotency, one unit of work, one commit, one response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from pydantic import BaseModel
from starlette.responses import Response

from shared.auth import Principal
from shared.http import idempotency
from shared.http.conditional import etag, parse_if_match
from shared.http.deps import RuntimeDep
from shared.http.request_id import current_request_id
from shared.http.responses import dumps


@dataclass
class CommandResult:
    body: Any
    status: int = 200
    location: str | None = None
    version: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def response_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.location:
            headers["Location"] = self.location
        if self.version is not None:
            headers["ETag"] = etag(self.version)
        return headers

    def render(self) -> bytes:
        body = self.body.model_dump(mode="json") if isinstance(self.body, BaseModel) else self.body
        return dumps(body)


T = TypeVar("T")


class Command:
    """Dependency of every state-changing route (it also documents the two headers)."""

    def __init__(
        self,
        request: Request,
        runtime: RuntimeDep,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                description="Retry-safe key: the same key and body within 24 h replays the first response. "
                "1 to 200 visible ASCII characters, inner spaces allowed.",
                json_schema_extra={
                    "minLength": 1,
                    "maxLength": idempotency.MAX_KEY_LENGTH,
                    "pattern": idempotency.KEY_PATTERN,
                },
            ),
        ] = None,
        if_match: Annotated[
            str | None,
            Header(alias="If-Match", description='Expected `ETag` (`"<version>"`); a stale one answers 412.'),
        ] = None,
    ) -> None:
        self.request = request
        self.runtime = runtime
        self.idempotency_key = idempotency.validate_key(idempotency_key) if idempotency_key is not None else None
        self.expected = parse_if_match(if_match)

    async def run(
        self,
        principal: Principal,
        handler: Callable[[Any], Awaitable[T]],
        present: Callable[[T], CommandResult] | None = None,
    ) -> Response:
        """Run ``handler`` on the service's unit of work; ``present`` renders its domain result."""
        render: Callable[[Any], CommandResult] = present or (lambda result: result)
        key = self.idempotency_key
        if key is None:
            return await self._execute(principal, handler, render, None)
        caller = principal.caller
        self.runtime.inflight.enter(caller, key)
        try:
            body = await self.request.body()
            digest = idempotency.fingerprint(self.request.method, self.request.url.path, self.request.url.query, body)
            return await self._execute(principal, handler, render, (key, digest))
        finally:
            self.runtime.inflight.leave(caller, key)

    async def _execute(
        self,
        principal: Principal,
        handler: Callable[[Any], Awaitable[Any]],
        render: Callable[[Any], CommandResult],
        keyed: tuple[str, str] | None,
    ) -> Response:
        async with self.runtime.uow(actor=principal.sub, correlation_id=current_request_id()) as uow:
            if keyed:
                key, digest = keyed
                await idempotency.guard_across_replicas(uow.session, principal.caller, key)
                stored = await idempotency.lookup(uow.session, principal.caller, key, digest)
                if stored is not None:
                    await uow.commit()  # commits only the removal of an expired record, if any
                    return Response(
                        stored.body,
                        status_code=stored.status_code,
                        headers={**stored.headers, "Idempotent-Replayed": "true"},
                        media_type="application/json",
                    )
            result = render(await handler(self.runtime.service_uow(uow)))
            content, headers = result.render(), result.response_headers()
            if keyed:
                ttl = timedelta(hours=self.runtime.settings.idempotency_ttl_hours)
                stored = idempotency.StoredResponse(result.status, content, headers)
                await idempotency.store(uow.session, principal.caller, keyed[0], keyed[1], stored, ttl)
            await uow.commit()
        return Response(content, status_code=result.status, headers=headers, media_type="application/json")


CommandDep = Annotated[Command, Depends()]
