"""Problem answers in English, Russian or Kazakh, chosen by ``Accept-Language``.

The translations are GNU gettext catalogues: ``locale/<lang>/LC_MESSAGES/sdo.po`` beside this
module, compiled with Babel to the ``sdo.mo`` the services read (``python -m shared.i18n.catalogue``
writes ``sdo.pot`` from ``messages.py``, updates each ``.po`` and compiles it). English is the
source text and the default: a text without a translation is answered as it is, and a request
that names no language we have gets English. Only the human-readable texts change (a problem's
``title``, ``detail`` and ``errors[].message``); field names, problem types, status values and
every other code stay as they are.
"""

from __future__ import annotations

import gettext
import re
import string
from collections.abc import Mapping
from contextvars import ContextVar
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.i18n import messages

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "ru", "kk")
DOMAIN = "sdo"
LOCALE_DIR = Path(__file__).parent / "locale"
PROBLEM_CONTENT_TYPE = b"application/problem+json"

_language: ContextVar[str] = ContextVar("sdo_language", default=DEFAULT_LANGUAGE)
# What a template's value may look like when it is recovered from formatted text (default: anything),
# so that a service's own sentence is not mistaken for a kernel template.
_VALUE_PATTERNS = {"method": r"[A-Z]+", "path": r"/\S*"}


def current_language() -> str:
    """The language negotiated for the request being answered (English outside a request)."""
    return _language.get()


@lru_cache(maxsize=1024)
def negotiate(accept_language: str | None) -> str:
    """The language of ours the caller prefers most (RFC 9110 12.5.4 weights; ``kk-KZ`` is ``kk``)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best, best_weight = DEFAULT_LANGUAGE, 0.0
    for item in accept_language.split(",")[:32]:
        tag, _, parameters = item.partition(";")
        weight = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        primary = tag.strip().lower().split("-", 1)[0]
        language = DEFAULT_LANGUAGE if primary == "*" else primary
        # The first of equal weights wins: the caller lists its preferences in order.
        if language in LANGUAGES and weight > best_weight:
            best, best_weight = language, weight
    return best


def language_of(headers: Any) -> str:
    """The negotiated language of an ASGI scope's raw headers or a mapping of headers."""
    if isinstance(headers, Mapping):
        return negotiate(headers.get("accept-language"))
    for name, value in headers:
        if name == b"accept-language":
            return negotiate(value.decode("latin-1"))
    return DEFAULT_LANGUAGE


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def _lookup(msgid: str, language: str) -> str | None:
    translated = _catalogue(language).gettext(msgid)
    return translated if translated != msgid else None


def _fill(template: str, params: Mapping[str, Any]) -> str | None:
    try:
        return template.format_map(params)
    except (KeyError, IndexError, ValueError, AttributeError):
        return None  # a translation that names a value we do not have: keep the English text


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each template as a pattern that recovers its values from text formatted from it, the most
    specific first (``... greater than or equal to {ge}`` before ``... greater than {gt}``)."""
    compiled = []
    for template in messages.ALL:
        parts = list(string.Formatter().parse(template))
        if not any(field for _, field, _, _ in parts):
            continue
        regex, literal = "", 0
        for text, field, _, _ in parts:
            regex += re.escape(text)
            literal += len(text)
            if field:
                regex += f"(?P<{field}>{_VALUE_PATTERNS.get(field, '.+?')})"
        compiled.append((literal, re.compile(regex, re.DOTALL), template))
    compiled.sort(key=lambda item: -item[0])
    return tuple((pattern, template) for _, pattern, template in compiled)


def translate(
    text: str, language: str, template: str | None = None, params: Mapping[str, Any] | None = None
) -> str | None:
    """``text`` in ``language``, or None when the catalogue has no translation of it.

    ``template`` and ``params``, where the text was built from them, are used as they are; otherwise
    the text itself is looked up, then matched against the templates to recover the values.
    """
    if language == DEFAULT_LANGUAGE:
        return None
    if template is not None:
        translated = _lookup(template, language)
        if translated is not None:
            return _fill(translated, params or {})
    exact = _lookup(text, language)
    if exact is not None:
        return exact
    for pattern, known in _patterns():
        match = pattern.fullmatch(text)
        if match is not None:
            translated = _lookup(known, language)
            return _fill(translated, match.groupdict()) if translated is not None else None
    return None


class LanguageMiddleware:
    """Negotiates the language of each request for the problem answers built below it, and marks a
    translated problem answer with ``Content-Language`` (and ``Vary: Accept-Language``).

    English requests (most of them) pass straight through: one header scan, one cached look-up.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        language = language_of(scope["headers"]) if scope["type"] == "http" else DEFAULT_LANGUAGE
        if language == DEFAULT_LANGUAGE:
            await self.app(scope, receive, send)
            return
        token = _language.set(language)

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                mark_translated(message, language)
            await send(message)

        try:
            await self.app(scope, receive, send_marked)
        finally:
            _language.reset(token)


def mark_translated(message: Message, language: str) -> None:
    """Add ``Content-Language`` to a problem answer's start message that has none yet."""
    raw = list(message.get("headers", []))
    headers = MutableHeaders(raw=raw)
    if headers.get("content-type", "").encode().startswith(PROBLEM_CONTENT_TYPE) and "content-language" not in headers:
        headers["Content-Language"] = language
        headers.add_vary_header("Accept-Language")
        message["headers"] = raw


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LanguageMiddleware",
    "current_language",
    "language_of",
    "negotiate",
    "translate",
]
