"""A certificate of conformity as a printable PDF (fpdf2), with the same content as its JSON.

The data may hold Cyrillic (requirement names, reasons), which PDF's core fonts cannot print, so a
TrueType font is embedded: ``SDO_PDF_FONT`` when set, else DejaVu Sans from the usual system font
folders (Debian's fonts-dejavu-core). Without one the service answers 503 naming what to install,
rather than a PDF with missing letters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

PDF_MEDIA_TYPE: Final = "application/pdf"
_FONT_FILES: Final = ("DejaVuSans.ttf", "DejaVuSansCondensed.ttf")
_FONT_DIRS: Final = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/usr/share/fonts",
    "/Library/Fonts",
)


class PdfFontMissing(RuntimeError):
    """What printing a certificate needs is missing: a TrueType font with Cyrillic, or fpdf2 (503)."""


def find_font(configured: str | None = None) -> Path:
    """The font file to embed: the configured one, else the first DejaVu Sans found."""
    if configured:
        path = Path(configured)
        if path.is_file():
            return path
        raise PdfFontMissing(f"SDO_PDF_FONT names {configured!r}, which is not a font file.")
    return _system_font()


@lru_cache(maxsize=1)
def _system_font() -> Path:
    for folder in _FONT_DIRS:
        for name in _FONT_FILES:
            candidate = Path(folder) / name
            if candidate.is_file():
                return candidate
    for folder in _FONT_DIRS:  # a layout of its own: look one level deeper
        root = Path(folder)
        if root.is_dir():
            for candidate in sorted(root.glob("*/DejaVuSans.ttf")):
                return candidate
    raise PdfFontMissing(
        "No TrueType font for the printed certificate: install DejaVu Sans (Debian: fonts-dejavu-core) "
        "or set SDO_PDF_FONT to a .ttf file with Cyrillic."
    )


def _rows(document: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    def text(value: Any) -> str:
        return "-" if value is None or value == "" else str(value)

    yield "Certificate number", text(document.get("number"))
    yield "Issued at (UTC)", text(document.get("issued_at"))
    yield "Supplier", text(document.get("supplier_id"))
    yield "Order", f"{text(document.get('order_number'))} ({text(document.get('order_id'))})"
    lot = document.get("lot_no")
    yield (
        "Lot",
        f"lot {lot}, inspection round {text(document.get('round'))}" if lot else f"round {text(document.get('round'))}",
    )
    yield "Quantity accepted", text(document.get("quantity_accepted"))
    yield "Standard", text(document.get("standard"))
    plan = (
        f"level {text(document.get('inspection_level'))}, {text(document.get('severity'))} inspection, "
        f"AQL {text(document.get('aql'))}, code letter {text(document.get('code_letter'))}, "
        f"sample {text(document.get('sample_size'))}, Ac {text(document.get('accept'))}, "
        f"Re {text(document.get('reject'))}"
    )
    yield "Sampling plan", plan
    result = (
        f"{text(document.get('units_measured'))} units measured, {text(document.get('defective_units'))} "
        f"nonconforming, {text(document.get('critical_failures'))} with a critical failure"
    )
    yield "Sample", result
    yield "Inspector", text(document.get("inspector"))
    terms = document.get("concession_terms")
    if document.get("concession") and isinstance(terms, Mapping):
        price = terms.get("price_reduction") or {}
        yield (
            "Concession",
            (
                f"accepted as it is by {text(terms.get('authorized_by'))}; nonconformance report "
                f"{text(terms.get('nonconformance_id'))}; price reduction {text(price.get('amount'))} "
                f"{text(price.get('currency'))}; reason: {text(terms.get('reason'))}"
            ),
        )
    else:
        yield "Concession", "none"
    yield "Inspection", text(document.get("inspection_id"))
    yield "Certificate id", text(document.get("id"))


def render(document: Mapping[str, Any], sha256: str, *, font: Path) -> bytes:
    """The certificate as one or more A4 pages."""
    try:
        from fpdf import FPDF
        from fpdf.enums import XPos, YPos
    except ImportError as exc:  # the project's dependencies carry fpdf2; a bare install may not
        raise PdfFontMissing("The PDF library fpdf2 is not installed (pip install fpdf2).") from exc
    pdf = FPDF(format="A4")
    pdf.set_title(f"Certificate of conformity {document.get('number', '')}")
    pdf.set_creator("SDO quality service")
    pdf.add_font("cert", "", str(font))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("cert", size=16)
    pdf.multi_cell(width, 9, "Certificate of conformity", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cert", size=9)
    pdf.multi_cell(
        width, 5, "AQAP-2131 final inspection; ISO 2859-1 acceptance sampling", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(3)
    for label, value in _rows(document):
        pdf.set_font("cert", size=9)
        pdf.multi_cell(45, 5, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_font("cert", size=10)
        pdf.multi_cell(width - 45, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    requirements = document.get("requirements") or []
    if requirements:
        pdf.ln(3)
        pdf.set_font("cert", size=11)
        pdf.multi_cell(width, 6, "Requirements checked", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("cert", size=9)
        for r in requirements:
            low, high = r.get("min"), r.get("max")
            limits = f"[{'-' if low is None else low}, {'-' if high is None else high}]"
            critical = ", critical" if r.get("critical") else ""
            line = f"{r.get('code')}: {r.get('name')} {limits} {r.get('unit')}{critical}"
            pdf.multi_cell(width, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("cert", size=11)
    pdf.multi_cell(width, 6, "Statement of conformity", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cert", size=10)
    statement = document.get("statement") or (
        "Certificate of conformity of an accepted lot (issued before certificates carried their full document)."
    )
    pdf.multi_cell(width, 5, str(statement), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("cert", size=8)
    pdf.multi_cell(
        width,
        4,
        f"SHA-256 of the certificate's canonical JSON: {sha256}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())


__all__ = ["PDF_MEDIA_TYPE", "PdfFontMissing", "find_font", "render"]
