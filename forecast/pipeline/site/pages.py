"""HTML pages of a run: one self-contained page per notebook, the index, the scenario comparison.

Every page opens offline and can be mailed as one file: figures are embedded
as ``data:`` URIs, styles are inline, and no script, style sheet, font or
MathJax is fetched from a network host.  nbconvert's ``lab`` template loads
require.js, MathJax and mermaid from cdnjs, so pages are rendered with a small
template that extends it and empties those blocks, and :func:`offline` then
removes any external reference that notebook outputs might still carry.

Every page ends with a provenance footer (:func:`provenance_footer`); all text
that comes from data files, parameters or errors is escaped, never interpreted
as HTML.  nbconvert is imported only inside :func:`render_notebook`.

Pages are written in the current language (:mod:`forecast.i18n`): the runner renders each
inside ``i18n.use(lang)``; Markdown cells are translated block by block, the furniture
(navigation, captions' numbers, provenance) through the catalogs, and a Chinese page embeds
the CJK glyphs it uses (:func:`forecast.present.fonts.webfont_css`) so it reads the same on a
machine without Chinese fonts.  Each page links to its version in the other languages
(:func:`language_switch`).

The pages form a site (:func:`finish_page`): each links back to its index and
has a table of contents built from its headings; captions of figures and
tables are numbered in page order ("Figure 2.", "Table 3."), filling the slots
that :mod:`forecast.present` leaves; a chart printed without
:func:`forecast.present.figure` still gets alt text and a caption from its
section; the page title is the page's first heading, so a title that follows
the parameters (``present.prose("# ...")``) names the page.  The index opens
with the key figures (:mod:`forecast.pipeline.site.keyfigures`).
"""

from __future__ import annotations

import base64
import html
import re
import threading
from pathlib import Path

from forecast import i18n
from forecast.i18n import N_
from forecast.i18n import gettext as _
from forecast.present import html as shell
from forecast.present.html import escape

# Extends nbconvert's lab template: same look, nothing loaded from the network.
_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}<style type="text/css">{{ resources.cf_css }}</style>{%- endblock extra_css -%}
{%- block body_footer -%}
{{ resources.cf_footer }}
</main>
</body>
{%- endblock body_footer -%}
"""

_render_lock = threading.Lock()  # one nbconvert render at a time (GIL-bound anyway)
_exporters: dict[bool, object] = {}

_EXTERNAL = re.compile(r"""^\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.I)


def _exporter(show_code: bool):
    if show_code not in _exporters:
        import jinja2
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        config = Config()
        config.TagRemovePreprocessor.enabled = True
        config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
        config.TagRemovePreprocessor.remove_input_tags = {"remove-input", "hide-input"}
        config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "hide-output"}
        exporter = HTMLExporter(
            config=config, template_name="lab", template_file="compute_forecast.html.j2",
            extra_loaders=[jinja2.DictLoader({"compute_forecast.html.j2": _TEMPLATE})])
        exporter.embed_images = True
        exporter.exclude_input = not show_code
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        exporter.exclude_anchor_links = True
        _exporters[show_code] = exporter
    return _exporters[show_code]


def warm_up(show_code: bool = False) -> None:
    """Load ahead of need what pages and the index take long to load: nbconvert and its
    templates, and the pandas and matplotlib the forecast-history chart draws with.  The
    runner calls it in a background thread while the first kernels run, so the last page
    and the index are not held up by imports.  Never raises."""
    try:
        _exporter(show_code)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401

        import forecast.data.history  # noqa: F401
        import forecast.present.plots  # noqa: F401
    except Exception:  # a failure here shows up, with its message, where the thing is used
        pass


def render_notebook(nb, *, notebook_dir: str | Path, footer: str = "",
                    show_code: bool = False, title: str | None = None,
                    index_href: str = "../index.html", switch: str = "") -> str:
    """One self-contained HTML page for an executed notebook, in the current language: its
    Markdown cells are translated here (the outputs already were, by :mod:`forecast.present`
    in the kernel).

    Parameters
    ----------
    nb : nbformat.NotebookNode (executed).
    notebook_dir : folder that relative Markdown image links are resolved against.
    footer : HTML inserted at the end of the page (see :func:`provenance_footer`).
    show_code : show code cells' input (default: outputs and Markdown only).
    title : page title when the page has no heading of its own.
    index_href : link back to the index (pages live one folder below it).
    switch : links to the page in the other languages (:func:`language_switch`).
    """
    if i18n.language() != i18n.SOURCE:
        import copy

        nb = copy.deepcopy(nb)
        for cell in nb.cells:
            if cell.get("cell_type") == "markdown":
                cell.source = i18n.translate_markdown(cell.source)
    resources = {"metadata": {"path": str(notebook_dir), "name": title or "notebook"},
                 "cf_footer": footer, "cf_css": shell.SITE_CSS}
    with _render_lock:
        body, _resources = _exporter(show_code).from_notebook_node(nb, resources=resources)
    return finish_page(offline(body), index_href=index_href, switch=switch)


def language_switch(rel: str, shown=tuple(i18n.LANGUAGES), lang: str | None = None) -> str:
    """Links to the same page in each language of ``shown`` ("" when only one).

    ``rel``: the page's path below its language's folder (``html/01_global_compute.html``,
    ``index.html``, ``scenarios/index.html``); English pages live in ``outputs/``, the others
    in ``outputs/<lang>/`` (:func:`forecast.pipeline.runplan.language_root`).
    """
    lang = lang or i18n.language()
    shown = [code for code in i18n.LANGUAGES if code in shown]
    if len(shown) < 2:
        return ""
    up = "../" * rel.count("/") + ("" if lang == i18n.SOURCE else "../")  # to outputs/
    items = []
    for code in shown:
        name = escape(i18n.LANGUAGES[code])
        tag = escape(i18n.HTML_LANG[code])
        if code == lang:
            items.append(f'<strong lang="{tag}">{name}</strong>')
        else:
            href = up + ("" if code == i18n.SOURCE else f"{code}/") + rel
            items.append(f'<a href="{escape(href)}" hreflang="{tag}" lang="{tag}">{name}</a>')
    return f'<nav class="cf-lang" aria-label="Language">{" · ".join(items)}</nav>'


def _cjk_font(page: str) -> str:
    """The page with ``lang`` set for its language and, when it holds CJK text, the glyphs it
    uses embedded and put first in every font stack (for CJK characters only: Latin text
    keeps the reader's fonts)."""
    from forecast.present import fonts

    tag = i18n.HTML_LANG[i18n.language()]
    page = re.sub(r"<html\b[^>]*>", f'<html lang="{tag}">', page, count=1)
    shown = _text(re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S))
    shown += " ".join(re.findall(r'(?:alt|title|aria-label)="([^"]*)"', page))  # alt texts too
    css = fonts.webfont_css(shown)
    if not css:
        return page
    web = f'"{fonts.WEB_FAMILY}"'  # first: its unicode-range is the CJK blocks only
    # !important: the notebook and site styles set fonts on classes (headings, the contents
    # box), which would otherwise keep stacks without the CJK face and draw boxes
    rule = (f"<style>{css}*:not(code):not(pre):not(kbd):not(samp){{font-family:{web},system-ui,"
            '-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif !important}'
            f'code,pre,kbd,samp{{font-family:{web},ui-monospace,"DejaVu Sans Mono",Menlo,'
            "Consolas,monospace !important}</style>")
    at = page.find("</head>")
    return page[:at] + rule + page[at:] if at >= 0 else rule + page


_HEADING = re.compile(r"<h([1-3])\b([^>]*)>(.*?)</h\1>", re.S | re.I)
_NBCONVERT_IMG = re.compile(r'<img\b(?P<attrs>[^>]*?)\balt="No description has been provided for this '
                            r'image"(?P<rest>[^>]*)>', re.I)
_SLOT = re.compile(r'<span class="cf-num" data-kind="(?P<kind>Figure|Table)"></span>')


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("\u00b6", "").strip()


def _slug(text: str, taken: set) -> str:
    base = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "section"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def number_captions(page: str) -> str:
    """Number the caption slots of figures and tables in page order, and give a chart
    printed without :func:`forecast.present.figure` alt text and a caption from its section."""
    counts = {"Figure": 0, "Table": 0}
    section = [""]

    def replace(match: re.Match) -> str:
        if match.group("heading") is not None:
            section[0] = _text(match.group("heading"))
            return match.group(0)
        if match.group("kind"):
            counts[match.group("kind")] += 1
            kind = match.group("kind")
            number = (_("Figure {n}.") if kind == "Figure" else _("Table {n}.")).format(
                n=counts[kind])
            return f'<span class="cf-num" data-kind="{kind}">{number}</span> '
        counts["Figure"] += 1
        number = _("Figure {n}.").format(n=counts["Figure"])
        words = f"{number} {section[0] or _('Chart')}"
        attrs = (match.group("attrs") + match.group("rest")).strip()
        return (f'<figure class="cf-figure"><img alt="{escape(words)}" {attrs}>'
                f'<figcaption class="cf-caption"><span class="cf-num">{number}'
                f"</span> {escape(section[0] or _('Chart'))}</figcaption></figure>")

    pattern = re.compile(r"(?P<heading_tag><h[1-3]\b[^>]*>(?P<heading>.*?)</h[1-3]>)|"
                         + _SLOT.pattern + "|" + _NBCONVERT_IMG.pattern, re.S | re.I)
    return pattern.sub(replace, page)


_DATA_URI = re.compile(r'(?<=")data:[^"]{64,}(?=")')


def finish_page(page: str, *, index_href: str = "../index.html", toc: bool = True,
                switch: str = "") -> str:
    """Site furniture for a page: a link to the index (and ``switch``, the links to the page
    in other languages), a table of contents of its headings (h2), numbered captions, and
    the first heading as the page title; in a language other than English, the CJK glyphs
    the page uses."""
    stash: list[str] = []  # embedded images and CSVs set aside: the regexes need not scan them

    def keep(match: re.Match) -> str:
        stash.append(match.group(0))
        return f"cf-data:{len(stash) - 1}"

    page = number_captions(_DATA_URI.sub(keep, page))
    taken: set = set(re.findall(r'\bid="([^"]+)"', page))
    entries, first = [], [None]

    def anchor(match: re.Match) -> str:
        level, attrs, inner = match.group(1), match.group(2), match.group(3)
        text = _text(inner)
        if level == "1" and first[0] is None:
            first[0] = text
        found = re.search(r'\bid="([^"]+)"', attrs)
        ident = found.group(1) if found else _slug(text, taken)
        if level == "2" and text:
            entries.append((int(level), ident, text))
        return match.group(0) if found else f'<h{level} id="{escape(ident)}"{attrs}>{inner}</h{level}>'

    head, sep, tail = page.partition('<footer class="cf-provenance"')
    head = _HEADING.sub(anchor, head)
    page = head + sep + tail
    nav = (f'<nav class="cf-nav"><a href="{escape(index_href)}">&larr; '
           f'{escape(_("index of all pages"))}</a>{switch}</nav>')
    contents = ""
    if toc and len(entries) >= 2:
        items = "".join(f'<li><a href="#{escape(i)}">{escape(t)}</a></li>' for _l, i, t in entries)
        contents = (f'<nav class="cf-toc" aria-label="Contents"><strong>{escape(_("Contents"))}'
                    f"</strong><ul>{items}</ul></nav>")
    h1 = re.search(r"<!--cf-toc-->", page) or re.search(r"</h1>", page)
    if h1:
        page = page[:h1.end()] + contents + page[h1.end():]
        contents = ""
    body = re.search(r"<main\b[^>]*>|<body\b[^>]*>", page)
    at = body.end() if body else 0
    page = page[:at] + nav + contents + page[at:]
    if first[0]:
        page = re.sub(r"<title>.*?</title>", f"<title>{escape(first[0])}</title>", page, count=1, flags=re.S)
    if i18n.language() != i18n.SOURCE:
        page = _cjk_font(page)
    return re.sub(r'(?<=")cf-data:(\d+)(?=")', lambda m: stash[int(m.group(1))], page)


def offline(page: str) -> str:
    """Remove every reference that a browser would fetch from another host.

    ``<script src>``, ``<link href>`` and ``<iframe>`` pointing at a network
    URL are dropped; such ``<img>``/``<source>`` sources and CSS ``url(...)`` /
    ``@import`` are emptied.  Plain ``<a href>`` links are kept: they are only
    followed when clicked.
    """
    def external(url: str) -> bool:
        return bool(_EXTERNAL.match(html.unescape(url)))

    def drop_element(match: re.Match) -> str:
        return "" if external(match.group("url")) else match.group(0)

    page = re.sub(r"""<script\b[^>]*\bsrc\s*=\s*["'](?P<url>[^"']*)["'][^>]*>\s*</script\s*>""",
                  drop_element, page, flags=re.I)
    page = re.sub(r"""<(?:link|iframe|embed)\b[^>]*\b(?:href|src)\s*=\s*["'](?P<url>[^"']*)["'][^>]*>"""
                  r"""(?:\s*</iframe\s*>)?""", drop_element, page, flags=re.I)

    def empty_src(match: re.Match) -> str:
        if not external(match.group("url")):
            return match.group(0)
        return match.group(0).replace(match.group("url"), "", 1)

    page = re.sub(r"""<(?:img|source|video|audio|input)\b[^>]*?\b(?:src|srcset|poster)\s*=\s*["']"""
                  r"""(?P<url>[^"']*)["']""", empty_src, page, flags=re.I)
    page = re.sub(r"""@import\s+(?:url\()?\s*["']?(?:[a-z][a-z0-9+.-]*:)?//[^;]*;""", "",
                  page, flags=re.I)
    page = re.sub(r"""url\(\s*["']?(?P<url>(?:[a-z][a-z0-9+.-]*:)?//[^)"']*)["']?\s*\)""",
                  "url()", page, flags=re.I)
    return page


def relative_path(value):
    """A local absolute path shown from the project folder it lies in (``outputs/...``,
    ``data/...``), never the machine's own folders; other values unchanged."""
    if not isinstance(value, str) or not value.startswith("/"):
        return value
    parts = Path(value).parts
    for marker in ("outputs", "data", "notebooks"):
        if marker in parts:
            return "/".join(parts[len(parts) - 1 - parts[::-1].index(marker):])
    return Path(value).name


def provenance_footer(prov: dict) -> str:
    """The provenance footer of a page, from the ``compute_forecast`` notebook metadata.

    Keys used: ``run_started`` (ISO UTC), ``seconds``, ``git_commit`` (or None),
    ``library_version``, ``python``, ``kernel``, ``parameters`` (dict; local
    paths shown relative to the project), ``data_files`` (list of {path,
    sha256}), ``sources`` (list of {publisher, document, published, url,
    status}; duplicates shown once, documents linked).
    """
    params = prov.get("parameters", {})
    rows = "".join(f"<tr><td><code>{escape(k)}</code></td><td><code>{escape(repr(relative_path(v)))}</code></td></tr>"
                   for k, v in params.items())
    files = "".join(f"<tr><td><code>{escape(relative_path(f['path']))}</code></td><td><code>{escape(f['sha256'])}</code></td></tr>"
                    for f in prov.get("data_files", []))
    seen, unique = set(), []
    for s in prov.get("sources", []):
        key = tuple(str(s.get(k, "")).strip() for k in ("publisher", "document", "published", "url", "status"))
        if key not in seen:
            seen.add(key)
            unique.append(s)
    sources = "".join(
        f"<tr><td>{escape(s.get('publisher', ''))}</td><td>{shell.link(s.get('url'), s.get('document', ''))}</td>"
        f"<td>{escape(s.get('published', ''))}</td><td>{escape(_(s.get('status', '')))}</td></tr>"
        for s in unique)
    seconds = prov.get("seconds")
    facts = [
        (_("Run"), f"{escape(prov.get('run_started', ''))}"
                   + (f" ({seconds:.1f} s)" if isinstance(seconds, (int, float)) else "")),
        (_("Git commit"), escape(prov.get("git_commit") or _("none (not a git checkout)"))),
        ("compute-forecast", escape(prov.get("library_version", ""))),
        (_("Python / kernel"), escape(f"{prov.get('python', '')} / {prov.get('kernel', '')}")),
    ]
    none = escape(_("(none)"))
    parts = [f'<footer class="cf-provenance"><h2>{escape(_("Provenance"))}</h2><table>']
    parts += [f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in facts]
    parts.append("</table>")
    parts.append(f"<h3>{escape(_('Parameters'))}</h3><table>"
                 + (rows or f"<tr><td>{none}</td></tr>") + "</table>")
    parts.append(f"<h3>{escape(_('Data files read'))}</h3><table><tr><th>{escape(_('file'))}"
                 "</th><th>sha256</th></tr>"
                 + (files or f"<tr><td colspan=2>{none}</td></tr>") + "</table>")
    if sources:
        heads = "".join(f"<th>{escape(_(h))}</th>"
                        for h in ("publisher", "document", "published", "status"))
        parts.append(f"<h3>{escape(_('Sources of the data'))}</h3><table><tr>{heads}</tr>"
                     + sources + "</table>")
    parts.append("</footer>")
    return "\n".join(parts)


def _generated(run: dict) -> str:
    return ('<footer class="cf-provenance">' + escape(
        _("Generated {time} by compute-forecast {version}; git commit {commit}.").format(
            time=run.get("run_started", ""), version=run.get("library_version", ""),
            commit=run.get("git_commit") or _("none"))) + "</footer>")


def render_index(entries: list[dict], *, title: str, run: dict, links: list[tuple[str, str]] = (),
                 key_figures: str = "", sections: str = "", index_href: str = "index.html",
                 switch: str = "") -> str:
    """The index page of one output folder.

    ``entries``: one dict per notebook with ``stem``, ``title``, ``status``
    ("ok", "cached", "failed", "not run"), ``finished`` (ISO time or ""),
    ``seconds``, ``html`` (relative link or None), ``notebook`` (relative link
    to the executed .ipynb or None), ``failed_html`` (relative link or None),
    ``error`` (text or ""), ``figures`` and ``tables`` (relative links).
    ``run``: facts of the run for the footer (see :func:`provenance_footer`,
    only ``run_started``, ``git_commit``, ``library_version`` are used).
    ``links``: extra (href, text) links shown under the title.
    ``key_figures``: the ``id="key-figures"`` block (:func:`forecast.pipeline.site.keyfigures.render`),
    shown first; ``sections``: more HTML after the list of pages (e.g. the
    forecast history); ``index_href``: the index of all pages (this page itself
    for ``outputs/index.html``); ``switch``: :func:`language_switch`.  ``title`` and the
    ``links``' texts are looked up in the catalog.
    """
    rows = []
    for e in entries:
        name = (f'<a href="{escape(e["html"])}">{escape(e["title"])}</a>' if e.get("html")
                else escape(e["title"]))
        extra = []
        if e.get("notebook"):
            extra.append(f'<a href="{escape(e["notebook"])}">{escape(_("executed notebook"))}</a>')
        if e.get("failed_html"):
            extra.append(f'<a href="{escape(e["failed_html"])}">{escape(_("failed run"))}</a>')
        if e.get("html") and e["status"] == "failed":
            extra.append(escape(_("the page linked is the last good run")))
        error = f'<div class="cf-error">{escape(e["error"])}</div>' if e.get("error") else ""
        outputs = [f'<a href="{escape(p)}">{escape(Path(p).name)}</a>'
                   for p in [*e.get("figures", []), *e.get("tables", [])]]
        seconds = e.get("seconds")
        rows.append(
            f"<tr><td>{name}<div class=\"cf-small\"><code>{escape(e['stem'])}</code> "
            f"{' · '.join(extra)}</div>{error}"
            + (f'<div class="cf-small">{", ".join(outputs)}</div>' if outputs else "")
            + f"</td><td>{shell.status(e['status'])}</td>"
            f"<td class=\"cf-small cf-nowrap\">{escape(e.get('finished') or '')}</td>"
            f"<td class=\"cf-small cf-nowrap\">{'' if seconds is None else f'{seconds:.1f} s'}</td></tr>")
    link_html = " · ".join(f'<a href="{escape(h)}">{escape(_(t))}</a>' for h, t in links)
    heads = "".join(f"<th>{escape(_(h))}</th>" for h in ("notebook", "status", "last run", "time"))
    body = (f"<h1>{escape(_(title))}</h1>\n" + key_figures + "<!--cf-toc-->"
            + (f'<p class="cf-small">{link_html}</p>\n' if link_html else "")
            + f'<h2 id="pages">{escape(_("Pages"))}</h2><div class="cf-table-wrap">'
            f'<table class="cf-list"><tr>{heads}</tr>\n'
            + "\n".join(rows) + "\n</table></div>\n" + sections + _generated(run))
    return finish_page(shell.page(_(title), body), index_href=index_href, switch=switch)


def scenario_rows(scenarios: list[dict], table: str = "scenarios_headline.csv") -> str:
    """Every scenario's ``tables/<table>`` as one reader table (with a ``scenario`` column)."""
    import pandas as pd

    from forecast import present

    found = []
    for s in scenarios:
        try:
            frame = pd.read_csv(Path(s["dir"]) / "tables" / table)
        except (OSError, ValueError):
            continue
        found.append(frame if "scenario" in frame else frame.assign(scenario=s["name"])[
            ["scenario", *frame.columns]])
    head = ('<h2 id="all-rows">' + escape(_("Every scenario's {table}")).format(
        table=f"<code>{escape(table)}</code>") + "</h2>")
    if not found:
        return head + "<p>" + escape(_("No scenario has written {table} yet.")).format(
            table=f"<code>tables/{escape(table)}</code>") + "</p>"
    return head + present.table(pd.concat(found, ignore_index=True), caption=present.text(
        N_("The rows of each scenario's tables/{table}."), table=table))._repr_html_()


def _scenario_csv(path: Path, name: str) -> str:
    """The rows of ``name`` in a percentiles table, as base64 CSV ("" when there are none)."""
    import csv
    import io as _stdio

    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except OSError:
        return ""
    if not rows or "scenario" not in rows[0]:
        return ""
    at = rows[0].index("scenario")
    mine = [rows[0]] + [r for r in rows[1:] if len(r) > at and r[at] == name]
    if len(mine) == 1:
        return ""
    buffer = _stdio.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(mine)
    return base64.b64encode(buffer.getvalue().encode("utf-8")).decode()


def render_scenarios(scenarios: list[dict], *, run: dict, table: str = "scenarios_headline.csv",
                     figure_word: str = "fan", comparison: str | None = None,
                     rows: str | None = None, switch: str = "") -> str:
    """The scenario comparison page (``outputs/scenarios/index.html``).

    ``scenarios``: one dict per scenario with ``name``, ``dir`` (its output
    folder, a Path), ``pages`` (list of (relative link, title)).  The page
    shows ``comparison`` (the fans on one axis and the pivots,
    :func:`forecast.pipeline.site.sections.comparison_sections`), ``rows`` (:func:`scenario_rows`:
    every scenario's ``tables/<table>`` in one reader table); both are built
    here when None.  Then each scenario's figures whose name contains
    ``figure_word``, each with a numbered caption.
    """
    from forecast.pipeline.site import sections as site

    out = Path(scenarios[0]["dir"]).parent.parent if scenarios else None
    answers = [f'<a href="../html/{stem}.html">{escape(_("page {n}").format(n=stem[:2]))}</a>'
               for stem in ("07_answers", "00_answer")
               if out and (out / "html" / f"{stem}.html").is_file()]
    what_if = escape(_(
        "{what_ifs} Bear, base and bull are {assumptions} (growth ranges set in {files}), not "
        "forecasts: each shows what its ranges imply, and a share of paths above a figure is "
        "what the assumptions imply, not a probability estimate.")).format(
        what_ifs=f"<strong>{escape(_('What-ifs.'))}</strong>",
        assumptions=f"<strong>{escape(_('assumptions'))}</strong>",
        files="<code>notebooks/params/*.yaml</code>")
    if answers:  # Chinese runs sentences on without a space
        what_if += ("" if i18n.language() == "zh" else " ") + escape(_("The evidence-based answers, calibrated on the record, are on "
                                  "{pages}.")).format(pages=escape(_(" and ")).join(answers))
    parts = [f"<h1>{escape(_('Scenario comparison'))}</h1>",
             f'<p class="cf-what-if">{what_if}</p>']
    parts.append(site.comparison_sections(scenarios) if comparison is None else comparison)
    parts.append(scenario_rows(scenarios, table) if rows is None else rows)
    for s in scenarios:
        parts.append(f'<h2 id="scenario-{escape(s["name"])}">'
                     f'{escape(_("Scenario {name}").format(name=_(s["name"])))}</h2>')
        pages = " · ".join(f'<a href="{escape(h)}">{escape(t)}</a>' for h, t in s.get("pages", []))
        parts.append(f'<p class="cf-small">{pages or escape(_("no pages yet"))}</p>')
        data = _scenario_csv(Path(s["dir"]) / "tables" / "scenarios_percentiles.csv", s["name"])
        for p in sorted((Path(s["dir"]) / "figures").glob(f"*{figure_word}*.png")):
            if "compared" in p.stem:  # every scenario's copy of the one-axis chart: shown above
                continue
            own_page = _("(the chart of the scenario's own page).")
            words = _("{chart}: {name} scenario").format(chart=_(p.stem.replace("_", " ")),
                                                         name=s["name"])
            link = (f' <a class="cf-download" download="{escape(s["name"])}_percentiles.csv" '
                    f'href="data:text/csv;charset=utf-8;base64,{data}">'
                    f'{escape(_("Download the data (CSV)"))}</a>' if data else "")
            parts.append(
                f'<figure class="cf-figure"><img alt="{escape(words)}" src="data:image/png;base64,'
                f'{base64.b64encode(p.read_bytes()).decode()}"><figcaption class="cf-caption">'
                f'<span class="cf-num" data-kind="Figure"></span>{escape(words)} '
                f"{escape(own_page)}{link}</figcaption></figure>")
    parts.append(_generated(run))
    return finish_page(shell.page(_("Scenario comparison"), "\n".join(parts)),
                       index_href="../index.html", switch=switch)


# -- index pages of an output folder ----------------------------------------------------

def _index_entries(run_dir: Path, jobs_here: list[tuple[str, str]], results: dict) -> list[dict]:
    from forecast.pipeline import runcache

    entries = []
    for stem, title in jobs_here:
        state = runcache.load_state(run_dir, stem)
        last, good = state.get("last", {}), state.get("good", {})
        result = results.get(stem)
        status = result.status if result and result.status != "interrupted" else last.get("status")
        if status is None:
            status = "ok" if good else "not run"
        outputs = good.get("outputs", [])
        entries.append({
            "stem": stem, "title": title, "status": status,
            "finished": (last.get("finished") or "").replace("T", " ").replace("+00:00", " UTC"),
            "seconds": result.seconds if result and result.status != "cached" else last.get("seconds"),
            "html": f"html/{stem}.html" if (run_dir / "html" / f"{stem}.html").is_file() else None,
            "notebook": (f"notebooks/{stem}.ipynb"
                         if (run_dir / "notebooks" / f"{stem}.ipynb").is_file() else None),
            "failed_html": (f"failed/{stem}.html"
                            if status == "failed" and (run_dir / "failed" / f"{stem}.html").is_file()
                            else None),
            "error": last.get("error", "") if status == "failed" else "",
            "figures": [o for o in outputs if o.startswith("figures/") and o.endswith(".png")
                        and (run_dir / o).is_file()],
            "tables": [o for o in outputs if o.startswith("tables/") and (run_dir / o).is_file()],
        })
    return entries


def _page_title(path: Path, fallback: str) -> str:
    """The ``<title>`` of a rendered page (it follows the parameters), else ``fallback``."""
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(20000)
    except OSError:
        return fallback
    found = re.search(r"<title>(.*?)</title>", head, re.S)
    text = html.unescape(found.group(1)).strip() if found else ""
    return text if text and text != "notebook" else fallback


def write_indexes(root: Path, results: list, run_info: dict, *, langs=("en",),
                  shown=None) -> Path:
    """(Re)write ``outputs/index.html``, each scenario's index and the comparison page, in
    every language of ``langs`` and of ``shown`` (the languages whose folder exists; each
    page links to the others); returns the path of the first index written.

    ``results``: this run's :class:`forecast.runner.Result` objects; notebooks
    not in them show their state from the last run (``.cache/<stem>.json``).
    The index opens with the key figures (:mod:`forecast.pipeline.site.keyfigures`) and ends
    with the forecast history chart (:func:`forecast.pipeline.site.sections.history_section`).
    """
    from forecast.pipeline.runplan import language_root

    shown = tuple(lang for lang in i18n.LANGUAGES
                  if lang in langs or lang in (shown or ())
                  or (language_root(root, lang) / "index.html").is_file())
    written = []
    for lang in shown:
        with i18n.use(lang):
            written.append(_write_indexes(root, [r for r in results
                                                 if getattr(r, "lang", "en") == lang],
                                          run_info, lang, shown))
    return written[0]


def _write_indexes(root: Path, results: list, run_info: dict, lang: str, shown) -> Path:
    from forecast.files import atomic_write_text
    from forecast.pipeline import changes
    from forecast.pipeline.site import keyfigures
    from forecast.pipeline.site import sections as site
    from forecast.pipeline.runplan import catalogue, language_root, scenario_names

    out = language_root(root, lang)
    english = root / "outputs"  # the history, change report and run log are kept once
    up = "" if lang == i18n.SOURCE else "../"
    all_nbs = catalogue(root)  # an unreadable notebook is listed, not fatal
    scen_dir = out / "scenarios"
    cache = out / ".cache"
    scenarios = [n for n in scenario_names(root) if (scen_dir / n).is_dir()]

    def entries(run_dir: Path, here, by_stem):
        found = _index_entries(run_dir, here, by_stem)
        for e in found:
            if e.get("html"):
                e["title"] = _page_title(run_dir / e["html"], e["title"])
        return found

    for name in scenarios:
        here = [(s, t) for s, t, has in all_nbs if has]
        by_stem = {r.stem: r for r in results if r.scenario == name}
        page = render_index(entries(scen_dir / name, here, by_stem),
                            title=_("compute-forecast: scenario {name}").format(name=name),
                            run=run_info,
                            links=[("../../index.html", "all notebooks"),
                                   ("../index.html", "scenario comparison")],
                            index_href="../../index.html",
                            switch=language_switch(f"scenarios/{name}/index.html", shown))
        atomic_write_text(scen_dir / name / "index.html", page)
    links = [(up + rel, text) for rel, text in (
        ("changes.md", "what changed"), ("run.log", "run log"),
        ("history/forecast_history.csv", "forecast history")) if (english / rel).is_file()]
    if scenarios:
        comparison = [{"name": n, "dir": scen_dir / n,
                       "pages": [(f"{n}/html/{s}.html",
                                  _page_title(scen_dir / n / "html" / f"{s}.html", t))
                                 for s, t, has in all_nbs
                                 if has and (scen_dir / n / "html" / f"{s}.html").is_file()]}
                      for n in scenarios]
        inputs = [scen_dir / n / "tables" / f"{t}.csv" for n in scenarios
                  for t in ("scenarios_percentiles", "scenarios_headline", "scenarios_thresholds")]
        sections = site.cached(cache, "comparison", inputs,
                               lambda: site.comparison_sections(comparison))
        rows = site.cached(cache, "scenario-rows", inputs, lambda: scenario_rows(comparison))
        atomic_write_text(scen_dir / "index.html", render_scenarios(
            comparison, run=run_info, comparison=sections, rows=rows,
            switch=language_switch("scenarios/index.html", shown)))
        links.insert(0, ("scenarios/index.html", "scenario comparison"))
    if (out / "sweeps" / "index.html").is_file():  # written by compute-forecast sweep
        links.append(("sweeps/index.html", "parameter sweeps"))
    figures = keyfigures.compute(out, {n: scen_dir / n for n in scenarios})
    history_inputs = [english / "history" / "forecast_history.csv",
                      english / "history" / "forecast_history.v1.csv",
                      *(root / "notebooks" / f"{s}.ipynb" for s, _n, _h in all_nbs)]
    history = site.cached(cache, "history", history_inputs,
                          lambda: site.history_section(english, root))
    by_stem = {r.stem: r for r in results if r.scenario is None}
    page = render_index(entries(out, [(s, t) for s, t, _h in all_nbs], by_stem),
                        title="compute-forecast: how much compute in 2030?", run=run_info,
                        links=links,  # what changed since the last run, then the answers
                        key_figures=keyfigures.render(figures, out)
                        + changes.index_section(english, href=up + "changes.md"),
                        sections=history, switch=language_switch("index.html", shown))
    return atomic_write_text(out / "index.html", page)
