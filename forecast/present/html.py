"""The one HTML vocabulary of the site: escaping, the stylesheet, the page shell, status badges.

Every page the suite writes (notebook pages, the index, the scenario comparison, the sweep
pages) and every table or figure a notebook shows is built from these pieces, so the pages look
alike and a style change is made in one place.

* :data:`NOTEBOOK_CSS` styles reader tables, figures, captions and the provenance footer, and
  carries the print stylesheet (A4, nothing cut); :data:`SITE_CSS` adds the page body, lists,
  status badges and key figures. Every page carries :data:`SITE_CSS`: the notebook pages (in
  nbconvert's template) as well as the pages built with :func:`page` (index, scenario
  comparison, sweeps), so they look alike on screen and on paper.
* :data:`INLINE_TABLE_STYLE` is the minimal ``<style>`` a reader table or figure carries with
  it, so it also looks right inside JupyterLab, where the site's stylesheet is absent.
"""

from __future__ import annotations

import html
import re

NOTEBOOK_CSS = """
.cf-provenance { margin: 3em 1em 1em; padding-top: 1em; border-top: 1px solid #ccc;
  font: 13px/1.4 system-ui, sans-serif; color: #333; }
.cf-provenance h2 { font-size: 15px; margin: 0 0 .5em; }
.cf-provenance table { border-collapse: collapse; margin: .3em 0 1em; }
.cf-provenance td, .cf-provenance th { border: 1px solid #ddd; padding: 2px 6px;
  text-align: left; vertical-align: top; }
.cf-provenance code { font-size: 12px; word-break: break-all; }
.cf-error { background: #fde8e8; border-left: 4px solid #c00; padding: .6em 1em; }
.cf-nav { font: 13px/1.4 system-ui, sans-serif; margin: .5em 0 1em; }
.cf-lang { float: right; } .cf-lang a, .cf-lang strong { margin-left: .3em; }
.cf-toc { font: 13px/1.5 system-ui, sans-serif; background: #f6f7f9; border: 1px solid #e3e6ea;
  padding: .5em 1em; margin: 1em 0 1.5em; display: inline-block; max-width: 100%; }
.cf-toc ul { margin: .2em 0; padding-left: 1.4em; }
.cf-table-wrap, .jp-RenderedHTMLCommon, .jp-OutputArea-output { overflow-x: auto; max-width: 100%; }
.cf-table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
table.cf-table th, table.cf-table td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px;
  text-align: left; vertical-align: top; max-width: 40em; }
table.cf-table th, table.cf-table td.cf-num, table.cf-table td.cf-short { white-space: nowrap; }
table.cf-table td.cf-num { text-align: right; }
.cf-caption { caption-side: top; text-align: left; font-size: 13px; color: #333; padding: 0 0 .3em; }
span.cf-num { font-weight: 600; }
.cf-figure { margin: .6em 0 1.4em; } .cf-figure img { max-width: 100%; height: auto; }
.cf-download { font-size: 12px; }
/* print and PDF: A4, nothing scrolls inside a box (it would be cut), wide tables wrap */
@page { size: A4; margin: 12mm; }
@media print {
  body { max-width: none !important; margin: 0 !important; padding: 0 !important; }
  .cf-table-wrap, .jp-RenderedHTMLCommon, .jp-OutputArea-output, .jp-OutputArea,
  .jp-Cell-outputWrapper { overflow: visible !important; max-width: 100% !important; }
  table.cf-table, .cf-provenance table, table.cf-list { width: 100% !important;
    table-layout: auto; font-size: 8pt; }
  table.cf-table th, table.cf-table td, table.cf-table td.cf-num, table.cf-table td.cf-short,
  .cf-provenance td, .cf-provenance th, table.cf-list td, table.cf-list th {
    white-space: normal !important; overflow-wrap: anywhere; word-break: break-word;
    max-width: none; padding: 1px 3px; }
  .cf-provenance code { word-break: break-all; }
  img, svg { max-width: 100% !important; height: auto !important; break-inside: avoid; }
  figure, .cf-figure, .cf-key, tr { break-inside: avoid; }
  .cf-nav, .cf-download, .jp-InputPrompt, .jp-OutputPrompt { display: none !important; }
}
"""

SITE_CSS = NOTEBOOK_CSS + """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
  padding: 0 1em; color: #222; }
h1 { font-size: 24px; } h2 { font-size: 18px; margin-top: 1.6em; }
table.cf-list { border-collapse: collapse; width: 100%; }
table.cf-list td, table.cf-list th { border-bottom: 1px solid #e3e3e3; padding: 6px 8px;
  text-align: left; vertical-align: top; }
.cf-status { font-weight: 600; padding: 1px 8px; border-radius: 9px; font-size: 13px; }
.cf-ok { background: #e3f4e3; color: #195e19; } .cf-cached { background: #e8eef8; color: #1f3f77; }
.cf-failed { background: #fde8e8; color: #a00; } .cf-not-run { background: #eee; color: #555; }
.cf-small { font-size: 13px; color: #555; } td.cf-nowrap { white-space: nowrap; }
.cf-keys { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; }
.cf-key { border: 1px solid #dde3ea; border-radius: 6px; padding: .6em .9em; background: #fbfcfd; }
.cf-key h3 { font-size: 14px; margin: 0 0 .3em; color: #1f4e79; }
.cf-answer { font-size: 15px; font-weight: 600; margin: .2em 0 .4em; line-height: 1.5; }
.cf-missing { color: #777; font-style: italic; font-weight: 400; }
h3 { font-size: 15px; } td.cf-num { text-align: right; font-variant-numeric: tabular-nums; }
.cf-bar { display: inline-block; height: 10px; background: #1f4e79; vertical-align: middle; }
figure { margin: 1em 0 2em; } figure img { max-width: 100%; height: auto; }
footer { margin-top: 3em; padding-top: 1em; border-top: 1px solid #ccc; font-size: 13px;
  color: #555; }
"""

INLINE_TABLE_STYLE = (
    "<style>.cf-table-wrap{overflow-x:auto;max-width:100%;margin:.4em 0 1.2em}"
    ".cf-table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}"
    "table.cf-table th,table.cf-table td{border-bottom:1px solid #e3e3e3;padding:3px 8px;"
    "text-align:left;vertical-align:top;max-width:40em}"
    "table.cf-table th,table.cf-table td.cf-num,table.cf-table td.cf-short{white-space:nowrap}"
    "table.cf-table td.cf-num{text-align:right}"
    ".cf-table caption,.cf-figure figcaption{caption-side:top;text-align:left;"
    "font-size:13px;color:#333;padding:0 0 .3em}"
    ".cf-figure{margin:.6em 0 1.4em}.cf-figure img{max-width:100%;height:auto}"
    ".cf-download{font-size:12px}</style>")


def escape(value) -> str:
    """``value`` as text safe inside HTML elements and quoted attributes."""
    return html.escape(str(value), quote=True)


def page(title: str, body: str, *, lang: str | None = None) -> str:
    """A whole self-contained page: doctype, ``<head>`` with :data:`SITE_CSS`, ``body``;
    ``lang``: its BCP 47 tag (default: the current language's, :mod:`forecast.i18n`)."""
    from forecast.i18n import HTML_LANG, language

    lang = lang or HTML_LANG[language()]
    return (f"<!DOCTYPE html>\n<html lang=\"{escape(lang)}\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<style>{SITE_CSS}</style>\n</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n")


def status(text: str) -> str:
    """A coloured badge for a run status (``ok``, ``cached``, ``failed``, ``not run``), its
    word in the current language."""
    from forecast.i18n import gettext

    return (f'<span class="cf-status cf-{escape(text.replace(" ", "-"))}">'
            f"{escape(gettext(text))}</span>")


def link(url: str | None, text: str) -> str:
    """``<a>`` to an http(s) ``url`` showing ``text`` (or the host); plain text otherwise."""
    if url and re.match(r"^https?://", url):
        shown = text or re.sub(r"^https?://(www\.)?", "", url).split("/")[0]
        return f'<a href="{escape(url)}">{escape(shown)}</a>'
    return escape(text)
