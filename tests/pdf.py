"""Reading printed PDFs back as text (poppler's pdftotext), for tests of letters and sheets."""

from __future__ import annotations

import shutil
import subprocess

from tests.conftest import skip_or_fail


def pdftotext(pdf: bytes) -> str:
    """The PDF's text, pages separated by form feeds. Without pdftotext the test is skipped
    with the reason (a failure in CI, which must read every PDF back)."""
    program = shutil.which("pdftotext")
    if program is None:
        skip_or_fail("pdftotext (poppler-utils) is not installed: the PDF cannot be read back")
    done = subprocess.run(
        [program, "-enc", "UTF-8", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")
