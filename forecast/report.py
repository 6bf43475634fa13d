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
"""

from __future__ import annotations

import base64
import csv
import html
import re
import threading
from pathlib import Path

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

CSS = """
.cf-provenance { margin: 3em 1em 1em; padding-top: 1em; border-top: 1px solid #ccc;
  font: 13px/1.4 system-ui, sans-serif; color: #333; }
.cf-provenance h2 { font-size: 15px; margin: 0 0 .5em; }
.cf-provenance table { border-collapse: collapse; margin: .3em 0 1em; }
.cf-provenance td, .cf-provenance th { border: 1px solid #ddd; padding: 2px 6px;
  text-align: left; vertical-align: top; }
.cf-provenance code { font-size: 12px; word-break: break-all; }
.cf-error { background: #fde8e8; border-left: 4px solid #c00; padding: .6em 1em; }
"""

_PAGE_CSS = CSS + """
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
.cf-figures img { max-width: 48%; margin: 4px; border: 1px solid #eee; }
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


def render_notebook(nb, *, notebook_dir: str | Path, footer: str = "",
                    show_code: bool = False, title: str | None = None) -> str:
    """One self-contained HTML page for an executed notebook.

    Parameters
    ----------
    nb : nbformat.NotebookNode (executed).
    notebook_dir : folder that relative Markdown image links are resolved against.
    footer : HTML inserted at the end of the page (see :func:`provenance_footer`).
    show_code : show code cells' input (default: outputs and Markdown only).
    """
    resources = {"metadata": {"path": str(notebook_dir), "name": title or "notebook"},
                 "cf_footer": footer, "cf_css": CSS}
    with _render_lock:
        body, _ = _exporter(show_code).from_notebook_node(nb, resources=resources)
    return offline(body)


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


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _link(url: str | None, text: str) -> str:
    if url and re.match(r"^https?://", url):
        return f'<a href="{_e(url)}">{_e(text)}</a>'
    return _e(text)


def provenance_footer(prov: dict) -> str:
    """The provenance footer of a page, from the ``compute_forecast`` notebook metadata.

    Keys used: ``run_started`` (ISO UTC), ``seconds``, ``git_commit`` (or None),
    ``library_version``, ``python``, ``kernel``, ``parameters`` (dict),
    ``data_files`` (list of {path, sha256}), ``sources`` (list of {publisher,
    document, published, url, status}).
    """
    params = prov.get("parameters", {})
    rows = "".join(f"<tr><td><code>{_e(k)}</code></td><td><code>{_e(repr(v))}</code></td></tr>"
                   for k, v in params.items())
    files = "".join(f"<tr><td><code>{_e(f['path'])}</code></td><td><code>{_e(f['sha256'])}</code></td></tr>"
                    for f in prov.get("data_files", []))
    sources = "".join(
        f"<tr><td>{_e(s.get('publisher', ''))}</td><td>{_link(s.get('url'), s.get('document', ''))}</td>"
        f"<td>{_e(s.get('published', ''))}</td><td>{_e(s.get('status', ''))}</td></tr>"
        for s in prov.get("sources", []))
    seconds = prov.get("seconds")
    facts = [
        ("Run", f"{_e(prov.get('run_started', ''))}"
                + (f" ({seconds:.1f} s)" if isinstance(seconds, (int, float)) else "")),
        ("Git commit", _e(prov.get("git_commit") or "none (not a git checkout)")),
        ("compute-forecast", _e(prov.get("library_version", ""))),
        ("Python / kernel", _e(f"{prov.get('python', '')} / {prov.get('kernel', '')}")),
    ]
    parts = ['<footer class="cf-provenance"><h2>Provenance</h2><table>']
    parts += [f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts]
    parts.append("</table>")
    parts.append("<h3>Parameters</h3><table>" + (rows or "<tr><td>(none)</td></tr>") + "</table>")
    parts.append("<h3>Data files read</h3><table><tr><th>file</th><th>sha256</th></tr>"
                 + (files or "<tr><td colspan=2>(none)</td></tr>") + "</table>")
    if sources:
        parts.append("<h3>Sources of the data</h3><table><tr><th>publisher</th><th>document</th>"
                     "<th>published</th><th>status</th></tr>" + sources + "</table>")
    parts.append("</footer>")
    return "\n".join(parts)


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{_PAGE_CSS}</style>\n</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n")


def _status(status: str) -> str:
    return f'<span class="cf-status cf-{_e(status.replace(" ", "-"))}">{_e(status)}</span>'


def render_index(entries: list[dict], *, title: str, run: dict, links: list[tuple[str, str]] = ()) -> str:
    """The index page of one output folder.

    ``entries``: one dict per notebook with ``stem``, ``title``, ``status``
    ("ok", "cached", "failed", "not run"), ``finished`` (ISO time or ""),
    ``seconds``, ``html`` (relative link or None), ``notebook`` (relative link
    to the executed .ipynb or None), ``failed_html`` (relative link or None),
    ``error`` (text or ""), ``figures`` and ``tables`` (relative links).
    ``run``: facts of the run for the footer (see :func:`provenance_footer`,
    only ``run_started``, ``git_commit``, ``library_version`` are used).
    ``links``: extra (href, text) links shown under the title.
    """
    rows = []
    for e in entries:
        name = (f'<a href="{_e(e["html"])}">{_e(e["title"])}</a>' if e.get("html")
                else _e(e["title"]))
        extra = []
        if e.get("notebook"):
            extra.append(f'<a href="{_e(e["notebook"])}">executed notebook</a>')
        if e.get("failed_html"):
            extra.append(f'<a href="{_e(e["failed_html"])}">failed run</a>')
        if e.get("html") and e["status"] == "failed":
            extra.append("the page linked is the last good run")
        error = f'<div class="cf-error">{_e(e["error"])}</div>' if e.get("error") else ""
        outputs = [f'<a href="{_e(p)}">{_e(Path(p).name)}</a>'
                   for p in [*e.get("figures", []), *e.get("tables", [])]]
        seconds = e.get("seconds")
        rows.append(
            f"<tr><td>{name}<div class=\"cf-small\"><code>{_e(e['stem'])}</code> "
            f"{' · '.join(extra)}</div>{error}"
            + (f'<div class="cf-small">{", ".join(outputs)}</div>' if outputs else "")
            + f"</td><td>{_status(e['status'])}</td>"
            f"<td class=\"cf-small cf-nowrap\">{_e(e.get('finished') or '')}</td>"
            f"<td class=\"cf-small cf-nowrap\">{'' if seconds is None else f'{seconds:.1f} s'}</td></tr>")
    link_html = " · ".join(f'<a href="{_e(h)}">{_e(t)}</a>' for h, t in links)
    body = (f"<h1>{_e(title)}</h1>\n"
            + (f'<p class="cf-small">{link_html}</p>\n' if link_html else "")
            + '<table class="cf-list"><tr><th>notebook</th><th>status</th><th>last run</th>'
            "<th>time</th></tr>\n" + "\n".join(rows) + "\n</table>\n"
            + '<footer class="cf-provenance">'
            f"Generated {_e(run.get('run_started', ''))} by compute-forecast "
            f"{_e(run.get('library_version', ''))}; git commit "
            f"{_e(run.get('git_commit') or 'none')}.</footer>")
    return _page(title, body)


def read_csv_rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file (text, unconverted)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return (rows[0], rows[1:]) if rows else ([], [])


def _cell(text: str, kind: str | None) -> str:
    """A table cell.  ``kind`` "flops": shown with a prefix (1.47 ZFLOPS); "rate": as a
    percentage (54.1%); the exact value stays on hover."""
    try:
        value = float(text) if kind else None
    except ValueError:
        value = None
    if kind == "flops" and value is not None and value >= 1e3:
        from forecast.units import format_flops

        return f'<td title="{_e(text)}">{_e(format_flops(value))}</td>'
    if kind == "rate" and value is not None:
        return f'<td title="{_e(text)}">{value:.1%}</td>'
    return f"<td>{_e(text)}</td>"


#: columns holding growth rates (fractions), shown as percentages
RATE_COLUMNS = ("implied_cagr", "growth", "cagr", "stated_cagr", "reported_growth")


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    unit = header.index("unit") if "unit" in header else None

    def kind(row, i):
        if header[i] in RATE_COLUMNS:
            return "rate"
        if header[i] != "year" and unit is not None and len(row) > unit and row[unit] == "FLOP/s":
            return "flops"
        return None

    body = "".join("<tr>" + "".join(_cell(c, kind(r, i)) for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    return f'<table class="cf-list"><tr>{head}</tr>{body}</table>'


def render_scenarios(scenarios: list[dict], *, run: dict, table: str = "scenarios_headline.csv",
                     figure_word: str = "fan") -> str:
    """The scenario comparison page (``outputs/scenarios/index.html``).

    ``scenarios``: one dict per scenario with ``name``, ``dir`` (its output
    folder, a Path), ``pages`` (list of (relative link, title)).  The page shows
    each scenario's ``tables/<table>`` side by side (one table with a leading
    ``scenario`` column when the headers agree) and embeds each scenario's
    figures whose name contains ``figure_word``.
    """
    parts = ["<h1>Scenario comparison</h1>",
             '<p class="cf-small"><a href="../index.html">back to all notebooks</a></p>']
    found = []
    for s in scenarios:
        path = Path(s["dir"]) / "tables" / table
        if path.is_file():
            found.append((s["name"], *read_csv_rows(path)))
    if found and all(h == found[0][1] for _, h, _ in found):
        parts.append(f"<h2>{_e(table)}</h2>")
        if "scenario" in found[0][1]:  # the tables already say which scenario each row is
            parts.append(_table(found[0][1], [r for _, _, rows in found for r in rows]))
        else:
            parts.append(_table(["scenario", *found[0][1]],
                                [[n, *r] for n, _, rows in found for r in rows]))
    else:
        for name, header, rows in found:
            parts.append(f"<h2>{_e(name)}: {_e(table)}</h2>" + _table(header, rows))
    if not found:
        parts.append(f"<p>No scenario has written <code>tables/{_e(table)}</code> yet.</p>")
    for s in scenarios:
        parts.append(f"<h2>Scenario {_e(s['name'])}</h2>")
        pages = " · ".join(f'<a href="{_e(h)}">{_e(t)}</a>' for h, t in s.get("pages", []))
        parts.append(f'<p class="cf-small">{pages or "no pages yet"}</p>')
        figures = sorted(p for p in (Path(s["dir"]) / "figures").glob(f"*{figure_word}*.png"))
        if figures:
            imgs = "".join(
                f'<img alt="{_e(p.stem)}" title="{_e(p.stem)}" src="data:image/png;base64,'
                f'{base64.b64encode(p.read_bytes()).decode()}">' for p in figures)
            parts.append(f'<div class="cf-figures">{imgs}</div>')
    parts.append('<footer class="cf-provenance">'
                 f"Generated {_e(run.get('run_started', ''))} by compute-forecast "
                 f"{_e(run.get('library_version', ''))}; git commit "
                 f"{_e(run.get('git_commit') or 'none')}.</footer>")
    return _page("Scenario comparison", "\n".join(parts))


# -- index pages of an output folder ----------------------------------------------------

def _index_entries(run_dir: Path, jobs_here: list[tuple[str, str]], results: dict) -> list[dict]:
    from forecast import runcache

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


def write_indexes(root: Path, results: list, run_info: dict) -> Path:
    """(Re)write ``outputs/index.html``, each scenario's index and the comparison page.

    ``results``: this run's :class:`forecast.runner.Result` objects; notebooks
    not in them show their state from the last run (``.cache/<stem>.json``).
    """
    from forecast import _io
    from forecast import notebook_params as nbp
    from forecast.runplan import SCENARIO_PARAM, notebooks, scenario_names, title

    out = root / "outputs"
    all_nbs = []
    for path in notebooks(root):
        nb = nbp.read_notebook(path)
        all_nbs.append((path.stem, title(nb, path.stem), SCENARIO_PARAM in nbp.notebook_parameters(path, nb)))
    scen_dir = out / "scenarios"
    scenarios = [n for n in scenario_names(root) if (scen_dir / n).is_dir()]
    for name in scenarios:
        here = [(s, t) for s, t, has in all_nbs if has]
        by_stem = {r.stem: r for r in results if r.scenario == name}
        page = render_index(_index_entries(scen_dir / name, here, by_stem),
                                   title=f"compute-forecast: scenario {name}", run=run_info,
                                   links=[("../../index.html", "all notebooks"),
                                          ("../index.html", "scenario comparison")])
        _io.atomic_write_text(scen_dir / name / "index.html", page)
    links = [(rel, text) for rel, text in (("run.log", "run log"),
                                           ("history/forecast_history.csv", "forecast history"))
             if (out / rel).is_file()]
    if scenarios:
        comparison = [{"name": n, "dir": scen_dir / n,
                       "pages": [(f"{n}/html/{s}.html", t) for s, t, has in all_nbs
                                 if has and (scen_dir / n / "html" / f"{s}.html").is_file()]}
                      for n in scenarios]
        _io.atomic_write_text(scen_dir / "index.html", render_scenarios(comparison, run=run_info))
        links.insert(0, ("scenarios/index.html", "scenario comparison"))
    by_stem = {r.stem: r for r in results if r.scenario is None}
    page = render_index(_index_entries(out, [(s, t) for s, t, _ in all_nbs], by_stem),
                               title="compute-forecast outputs", run=run_info, links=links)
    return _io.atomic_write_text(out / "index.html", page)
