"""PDF from HTML templates (WeasyPrint) with a Japanese font: letters, visit sheets, reports.

Templates set A4 and the font stack (Noto Sans CJK JP from Debian's fonts-noto-cjk, IPAex
Gothic as the alternative the design allows): ``print/base.html`` for sheets and reports,
``print/letters/`` for reminder letters. WeasyPrint lays out 10–30 simple pages a second on one
core (tables and grids cost two to four times a page of plain blocks: see
dunning.services.letter_documents); ``render_pdf_parallel`` splits a long run over processes
and joins the parts (pypdf), page order kept.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from django.conf import settings
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter

# WeasyPrint reports every layout step at INFO ("Step 5 - Creating layout - Page 100"): noise on
# a command's stderr, where only the command's own messages belong.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _static_base_url() -> str:
    return (settings.PACKAGE_DIR / "static").as_uri() + "/"


def html_to_pdf(html: str) -> bytes:
    """One HTML document to PDF bytes. Relative URLs resolve against the package's static."""
    # Imported late: WeasyPrint loads Pango (about 0.6 s), which commands without PDFs never need.
    import weasyprint  # noqa: PLC0415  (deferred: loads Pango, slow start-up)

    return weasyprint.HTML(string=html, base_url=_static_base_url()).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template_name, context))


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def join_pdfs(parts: Sequence[bytes]) -> bytes:
    """The parts' pages, in order, as one PDF."""
    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_pdf_parallel(documents: Sequence[str], *, workers: int | None = None) -> bytes:
    """Several HTML documents (each a run of whole pages) to one PDF, laid out in parallel.

    ``workers`` defaults to CIVICDESK_PDF_WORKERS; 1 (or a single document) renders in this
    process. The pool forks, so no Django state needs setting up again in the children: they
    only run WeasyPrint on strings.
    """
    workers = workers or settings.PDF_WORKERS
    if workers <= 1 or len(documents) <= 1:
        return join_pdfs([html_to_pdf(html) for html in documents])
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        return join_pdfs(list(pool.map(html_to_pdf, documents)))
