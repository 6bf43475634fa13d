"""Pages printed to PDF (A4) with headless Chromium, the browser the tests already use.

``compute-forecast run --pdf`` prints every page of the run next to its HTML
(``outputs/pdf/<page>.pdf``). The pages carry a print stylesheet
(:data:`forecast.present.html.NOTEBOOK_CSS`): A4, tables wrap instead of scrolling, charts
scale to the page, navigation is left out. Chromium is Debian's ``chromium`` package; when it
is missing the command fails with one line saying so, before any page is printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from forecast.errors import UsageError

#: seconds one page may take to print
TIMEOUT = 120
_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-quic", "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw")


def chromium() -> str:
    """The path of headless Chromium; :class:`UsageError` (one line) when it is not installed."""
    found = (os.environ.get("COMPUTE_FORECAST_CHROMIUM") or shutil.which("chromium")
             or shutil.which("chromium-browser") or shutil.which("google-chrome"))
    if not found:
        raise UsageError("--pdf needs headless Chromium, which is not installed: install "
                         "Debian's 'chromium' package (apt-get install -y chromium)")
    return found


def print_pdf(page: str | os.PathLike, pdf: str | os.PathLike, *, browser: str | None = None,
              timeout: float = TIMEOUT) -> Path:
    """Print the HTML file ``page`` to ``pdf`` (A4, the page's print stylesheet); returns ``pdf``.

    Written to a temporary file first and renamed, so a failed print leaves no partial PDF.
    """
    page, pdf = Path(page).resolve(), Path(pdf)
    browser = browser or chromium()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cf-chromium-") as profile:
        partial = pdf.with_name(f".{pdf.name}.partial")
        try:
            done = subprocess.run(
                [browser, *_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={partial}",
                 page.as_uri()], capture_output=True, text=True, timeout=timeout)
            if done.returncode or not partial.is_file() or partial.stat().st_size == 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise UsageError(f"{page.name}: Chromium could not print it to PDF ({last})")
            os.replace(partial, pdf)
        except subprocess.TimeoutExpired:
            raise UsageError(f"{page.name}: Chromium did not print it within {timeout:g} s"
                             ) from None
        finally:
            partial.unlink(missing_ok=True)
    return pdf


def print_site(out: str | os.PathLike, *, browser: str | None = None) -> list[Path]:
    """Print the index and every page of the output folder ``out`` into ``out/pdf/``."""
    out = Path(out)
    browser = browser or chromium()
    pages = [out / "index.html", *sorted((out / "html").glob("*.html"))]
    return [print_pdf(p, out / "pdf" / f"{p.stem}.pdf", browser=browser)
            for p in pages if p.is_file()]
