"""Keeps the catalogues in step with ``messages.py``: ``python -m shared.i18n.catalogue [--check]``.

Writes ``sdo.pot`` (every msgid), brings each language's ``sdo.po`` up to date (a new msgid is added
untranslated, one no longer used is dropped, translations are kept) and compiles ``sdo.mo`` with
Babel. ``--check`` only compares, and exits 1 naming what is stale or untranslated (a test runs it).
Babel is needed here only; the services read the compiled ``.mo`` with the standard library.
"""

from __future__ import annotations

import argparse
import gettext
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from shared.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, messages

HERE = Path(__file__).parent
TEMPLATE = HERE / f"{DOMAIN}.pot"
TEAMS = {"ru": "Russian", "kk": "Kazakh"}
# Fixed, so that regenerating changes nothing but what changed.
STAMP = datetime(2026, 1, 1, tzinfo=UTC)
WIDTH = 120


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def _flags(msgid: str) -> list[str]:
    return ["python-brace-format"] if "{" in msgid else []


def _new_catalog(language: str | None) -> Catalog:
    return Catalog(
        locale=language,
        domain=DOMAIN,
        project="SDO suite",
        version="1.0",
        msgid_bugs_address="sdo-suite",
        header_comment=(
            f"# {TEAMS.get(language or '', 'Source')} texts of the SDO suite's problem answers.\n"
            "# The msgids come from shared/i18n/messages.py; python -m shared.i18n.catalogue updates this file.\n"
            "#"
        ),
        creation_date=STAMP,
        revision_date=STAMP,
        last_translator="SDO suite",
        language_team=TEAMS.get(language or "", ""),
        fuzzy=False,
    )


def template() -> Catalog:
    catalog = _new_catalog(None)
    for msgid in messages.ALL:
        catalog.add(msgid, "", flags=_flags(msgid))
    return catalog


def updated(language: str) -> Catalog:
    """The language's catalogue: its translations of today's msgids, in messages.py's order."""
    path = po_path(language)
    known: dict[str, str] = {}
    if path.exists():
        with path.open("rb") as f:
            for message in read_po(f, locale=language):
                if message.id and isinstance(message.id, str) and isinstance(message.string, str):
                    known[message.id] = message.string
    catalog = _new_catalog(language)
    for msgid in messages.ALL:
        catalog.add(msgid, known.get(msgid, ""), flags=_flags(msgid))
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, sort_output=False, omit_header=False)
    return out.getvalue()


def _comparable(path: Path, content: bytes) -> object:
    """What must match for a file to be up to date: a .mo's messages, a .po's text (the Babel version
    that wrote it aside)."""
    if path.suffix == ".mo":
        translations = gettext.GNUTranslations(io.BytesIO(content))
        return {k: v for k, v in translations._catalog.items() if k}  # type: ignore[attr-defined]
    return [line for line in content.splitlines() if not line.startswith(b'"Generated-By: ')]


def is_current(path: Path, content: bytes) -> bool:
    return path.exists() and _comparable(path, path.read_bytes()) == _comparable(path, content)


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def expected_files() -> dict[Path, bytes]:
    files = {TEMPLATE: po_bytes(template())}
    for language in LANGUAGES:
        if language == "en":
            continue  # the source language: the msgids are the English text
        catalog = updated(language)
        files[po_path(language)] = po_bytes(catalog)
        files[mo_path(language)] = mo_bytes(catalog)
    return files


def untranslated() -> dict[str, list[str]]:
    return {
        language: [str(m.id) for m in updated(language) if m.id and not m.string]
        for language in LANGUAGES
        if language != "en"
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.i18n.catalogue", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when anything is stale")
    args = parser.parse_args(argv)
    stale = [path for path, content in expected_files().items() if not is_current(path, content)]
    missing = {language: ids for language, ids in untranslated().items() if ids}
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(HERE.parent.parent)}", file=sys.stderr)
        for language, ids in missing.items():
            print(f"{language}: {len(ids)} untranslated: {ids[:5]}", file=sys.stderr)
        return 1 if stale or missing else 0
    for path, content in expected_files().items():
        if not is_current(path, content):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            print(f"wrote {path.relative_to(HERE.parent.parent)}")
    for language, ids in missing.items():
        print(f"{language}: {len(ids)} msgid(s) still untranslated (English is answered for them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
