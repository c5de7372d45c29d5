"""CSV for the spreadsheets ministries live in: content negotiation, streamed rows, the OpenAPI entry.

``Accept: text/csv`` (preferred over JSON by its q-value) answers CSV; anything else, or no
``Accept``, answers JSON. The CSV is UTF-8 (Cyrillic titles and names stay as they are), RFC 4180
(comma-separated, CRLF, quoted where needed), with a header row, and streamed row by row as the
rows are produced, so an export of every page never sits whole in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

CSV_MEDIA_TYPE = "text/csv"
JSON_MEDIA_TYPE = "application/json"


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def _quality(media_type: str, ranges: Sequence[tuple[str, float]]) -> float:
    """The q of the most specific range matching ``media_type`` (RFC 9110 section 12.5.1); 0 when none does."""
    kind = media_type.split("/")[0]
    for candidate in (media_type, f"{kind}/*", "*/*"):
        for media, q in ranges:
            if media == candidate:
                return q
    return 0.0


def wants_csv(request: Request) -> bool:
    """True when the caller prefers ``text/csv`` to JSON."""
    accept = request.headers.get("accept")
    if not accept:
        return False
    ranges = _ranges(accept)
    csv_q = _quality(CSV_MEDIA_TYPE, ranges)
    return csv_q > 0 and csv_q > _quality(JSON_MEDIA_TYPE, ranges)


def _line(writer: Any, buffer: io.StringIO, row: Sequence[Any]) -> bytes:
    writer.writerow(["" if value is None else value for value in row])
    line = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return line


def csv_rows(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The header and each row as one CSV line of UTF-8 bytes, as they are produced (None is empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield _line(writer, buffer, header)
    for row in rows:
        yield _line(writer, buffer, row)


async def csv_stream(header: Sequence[str], rows: AsyncIterable[Sequence[Any]]) -> AsyncIterator[bytes]:
    """``csv_rows`` over rows read as the answer is sent (e.g. page after page from the database)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield _line(writer, buffer, header)
    async for row in rows:
        yield _line(writer, buffer, row)


def csv_response(
    lines: Iterator[bytes] | AsyncIterator[bytes], filename: str, headers: dict[str, str] | None = None
) -> StreamingResponse:
    """A streamed ``text/csv; charset=utf-8`` attachment; ``Vary: Accept`` (JSON is the other representation)."""
    sent = {"Vary": "Accept", "Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})}
    return StreamingResponse(lines, media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8", headers=sent)


def csv_content(example: str, description: str) -> dict[str, Any]:
    """The ``text/csv`` entry of an operation's 200 ``content`` in OpenAPI (beside its JSON)."""
    return {CSV_MEDIA_TYPE: {"schema": {"type": "string", "description": description}, "example": example}}
