"""What changed since the last canonical run: notebooks that reran and why, headline figures
that moved; the snapshot of a run that makes two runs comparable.

Every ``compute-forecast run`` ends by recording a *snapshot* of the output folder,
``outputs/history/runs/<run-id>.json`` (``<run-id>`` is the UTC time the run ended,
``20261206T141502Z``), and comparing it with the latest *canonical* snapshot (a run
with every notebook's default parameters).  A snapshot holds, for the main output
folder and each scenario folder (``scenarios/base``):

* ``notebooks``: each notebook's cache key by part (notebook, parameters, library,
  packages, options: :mod:`forecast.pipeline.runcache`) and the sha256 of every data
  file it read, so two snapshots say *why* a notebook's outputs differ;
* ``headlines``: every row of every ``tables/headline_*.csv`` (median, lower, upper in
  the row's unit), identified by folder, notebook and the headline key columns
  (:data:`forecast.data.headline.KEY_COLUMNS`), never by a label holding values;
* ``key_figures``: the answers at the top of the index
  (:mod:`forecast.pipeline.site.keyfigures`);
* ``left_out``: rows a notebook's default filter left out of its series
  (``tables/left_out_*.csv``, e.g. notebook 01's totals by other publishers).

:func:`compare` of two snapshots gives a :class:`Changes`: the report written to
``outputs/changes.md``, shown on the index (:func:`index_section`), and printed by
``compute-forecast diff``.  A headline that moved in a notebook whose data files
changed is a *warning*: one new data point can swing a forecast.

Exit status for a cron job (:func:`exit_code`): 3 when a headline figure moved by more
than the threshold and ``--fail-on-change`` was given.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from forecast import files
from forecast.pipeline.site.keyfigures import _num as _number  # forgiving CSV readers, shared
from forecast.pipeline.site.keyfigures import _rows

FORMAT = 1
#: snapshots of recorded runs, relative to the output folder
RUNS = Path("history") / "runs"
#: exit code of ``run``/``diff --fail-on-change`` when a headline moved beyond the threshold
EXIT_MOVED = 3
#: the columns that identify one headline figure (as forecast.data.headline.KEY_COLUMNS, + unit)
KEY = ("target", "scope", "component", "precision", "year", "model", "level", "unit")
VALUES = ("median", "lower", "upper")
#: relative change below which two numbers written to CSV count as the same
SAME = 1e-9
_PARTS = {"notebook": "the notebook changed", "parameters": "its parameters changed",
          "library": "the forecast library changed", "packages": "installed packages changed",
          "options": "runner options changed"}


# -- the snapshot of a run ------------------------------------------------------------------

def run_dirs(out: Path) -> dict[str, Path]:
    """The output folders of a project: ``""`` (``outputs/`` itself) and ``scenarios/<name>``
    for each scenario folder that has been run."""
    out = Path(out)
    found = {"": out}
    scen = out / "scenarios"
    if scen.is_dir():
        for d in sorted(p for p in scen.iterdir() if (p / ".cache").is_dir()):
            found[f"scenarios/{d.name}"] = d
    return found


def _notebooks(root: Path, run_dir: Path) -> dict:
    from forecast.pipeline import runcache
    from forecast.pipeline.runplan import notebooks

    found = {}
    for path in notebooks(root):
        good = runcache.load_state(run_dir, path.stem).get("good")
        if good:
            found[path.stem] = {"key": good.get("key", {}), "inputs": good.get("inputs", {}),
                                "finished": good.get("finished", "")}
    return found


def _headlines(run_dir: Path, where: str) -> dict:
    found = {}
    for path in sorted((run_dir / "tables").glob("headline_*.csv")):
        notebook = path.stem[len("headline_"):]
        for row in _rows(path):
            ident = {"dir": where, "notebook": notebook, **{k: row.get(k, "") for k in KEY}}
            values = {k: _number(row.get(k)) for k in VALUES}
            if values["median"] is not None:
                found[identity(ident)] = {**ident, **values}
    return found


def identity(figure: dict) -> str:
    """The stable name of a headline figure: folder, notebook and the key columns."""
    return " | ".join(str(figure.get(k, "")) for k in ("dir", "notebook", *KEY))


def snapshot(root: Path, *, canonical: bool, command: str = "", results=(),
             run_id: str | None = None) -> dict:
    """The state of the project's outputs now (see the module docstring).

    ``results``: the :class:`forecast.pipeline.runner.Result` objects of the run that just
    ended (which notebooks ran, and the runner's reason); ``canonical``: the run used every
    notebook's default parameters.
    """
    from forecast.pipeline.site import keyfigures

    root = Path(root)
    out = root / "outputs"
    now = _dt.datetime.now(_dt.timezone.utc)
    dirs = run_dirs(out)
    scenario_dirs = {k.split("/", 1)[1]: d for k, d in dirs.items() if k}
    headlines, notebooks, left = {}, {}, []
    for where, run_dir in dirs.items():
        headlines.update(_headlines(run_dir, where))
        for stem, record in _notebooks(root, run_dir).items():
            notebooks[_name(where, stem)] = {"dir": where, "stem": stem, **record}
        for path in sorted((run_dir / "tables").glob("left_out_*.csv")):
            left += [{"dir": where, "notebook": path.stem[len("left_out_"):], **row}
                     for row in _rows(path)]
    ran = [{"name": _name(_where(r), r.stem), "status": r.status, "reason": r.reason}
           for r in results if r.status in ("ok", "failed")]
    figures = {f.key: f.answer for f in keyfigures.compute(out, scenario_dirs)
               if f.answer is not None}
    return {"format": FORMAT, "run_id": run_id or now.strftime("%Y%m%dT%H%M%SZ"),
            "finished": now.isoformat(timespec="seconds"), "canonical": bool(canonical),
            "command": command, "ran": ran, "notebooks": notebooks, "headlines": headlines,
            "key_figures": figures, "left_out": left}


def _where(result) -> str:
    return f"scenarios/{result.scenario}" if result.scenario else ""


def _name(where: str, stem: str) -> str:
    return f"{where.split('/', 1)[1]}/{stem}" if where else stem


# -- recorded runs --------------------------------------------------------------------------

def runs(out: Path) -> list[Path]:
    """The recorded snapshots of ``out``, oldest first."""
    folder = Path(out) / RUNS
    # by stem: "T1200Z" < "T1200Z-2" (two runs in one second), which sorting names breaks
    return sorted(folder.glob("*.json"), key=lambda p: p.stem) if folder.is_dir() else []


def load(path: Path) -> dict:
    """A recorded snapshot; UsageError naming the file when it is not one."""
    from forecast.errors import UsageError

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise UsageError(f"{path}: cannot read the recorded run ({err.strerror or err})") from None
    except ValueError as err:
        raise UsageError(f"{path}: not a recorded run (invalid JSON: {err})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"{path}: not a recorded run of format {FORMAT}")
    return data


def find(out: Path, name: str | None, *, before: str | None = None) -> Path:
    """The snapshot called ``name`` (a run id, a unique prefix of one, ``latest``,
    ``previous``, or a file path); UsageError listing the recorded runs otherwise."""
    from forecast.errors import UsageError

    recorded = runs(out)
    if name and Path(name).suffix == ".json" and Path(name).is_file():
        return Path(name)
    if not recorded:
        raise UsageError(f"no recorded run in {Path(out) / RUNS}; every compute-forecast run "
                         f"records one")
    if name in (None, "latest"):
        return recorded[-1]
    if name == "previous":
        if len(recorded) < 2:
            raise UsageError(f"only one recorded run in {Path(out) / RUNS}")
        return recorded[-2]
    hits = [p for p in recorded if p.stem.startswith(name)]
    if len(hits) == 1:
        return hits[0]
    shown = ", ".join(p.stem for p in recorded[-5:])
    raise UsageError(f"{'no' if not hits else 'more than one'} recorded run matches {name!r}; "
                     f"recent runs: {shown} (or latest, previous)")


def last_canonical(out: Path, *, exclude: str | None = None) -> dict | None:
    """The newest recorded canonical snapshot (None when there is none)."""
    for path in reversed(runs(out)):
        if path.stem == exclude:
            continue
        try:
            data = load(path)
        except Exception:  # a damaged snapshot is skipped, not fatal to a run
            continue
        if data.get("canonical"):
            return data
    return None


# -- comparing two snapshots ------------------------------------------------------------------

@dataclass(frozen=True)
class Move:
    """One headline figure in both runs: ``old`` and ``new`` are {median, lower, upper}."""

    figure: dict
    old: dict
    new: dict

    @property
    def relative(self) -> float:
        """(new - old) / |old| of the median (inf when old is 0)."""
        a, b = self.old["median"], self.new["median"]
        return (b - a) / abs(a) if a else (math.inf if b else 0.0)

    @property
    def label(self) -> str:
        f = self.figure
        return (f"{_name(f.get('dir', ''), f['notebook'])}: {f['target']} {f['component']} {f['year']}, "
                f"{f['model']} ({f['precision']}, {f['unit']})")


@dataclass(frozen=True)
class Changes:
    """The difference between run ``old`` (None: no earlier run) and run ``new``."""

    old: dict | None
    new: dict
    ran: list = field(default_factory=list)          # (name, reason) of notebooks that ran
    why: dict = field(default_factory=dict)          # name -> [reasons] from the snapshots
    data_files: list = field(default_factory=list)   # data files whose sha256 changed
    moved: list = field(default_factory=list)        # Move
    appeared: list = field(default_factory=list)     # identity of figures only in new
    vanished: list = field(default_factory=list)     # identity of figures only in old
    key_figures: list = field(default_factory=list)  # (key, old answer, new answer)
    warnings: list = field(default_factory=list)
    left_out: list = field(default_factory=list)     # rows left out by a default filter

    @property
    def largest(self) -> float:
        """The largest |relative change| of a headline median (0 when none moved)."""
        return max((abs(m.relative) for m in self.moved), default=0.0)

    def moved_beyond(self, threshold: float) -> list:
        """Moves whose |relative change| exceeds ``threshold`` (0.05 for 5%)."""
        return [m for m in self.moved if abs(m.relative) > threshold]

    def summary(self) -> str:
        """One line: what ran, what moved (in the current language, :mod:`forecast.i18n`)."""
        from forecast.i18n import gettext as _

        if self.old is None:
            return _("first recorded run: {n} headline figure(s) recorded").format(
                n=len(self.new["headlines"]))
        parts = [_("{n} notebook(s) ran").format(n=len(self.ran)) if self.ran
                 else _("nothing reran")]
        if self.moved:
            biggest = max(self.moved, key=lambda m: abs(m.relative))
            parts.append(_("{n} headline figure(s) moved (largest {change}: {label})").format(
                n=len(self.moved), change=_pct(biggest.relative), label=biggest.label))
        else:
            parts.append(_("no headline figure moved"))
        if self.data_files:
            parts.append(_("data changed: {files}").format(files=", ".join(self.data_files)))
        return _("{parts} since run {run}").format(parts=_("; ").join(parts),
                                                   run=self.old["run_id"])

    def markdown(self) -> str:
        """The report of ``outputs/changes.md``."""
        new, old = self.new, self.old
        lines = [f"# What changed in run {new['run_id']}", ""]
        lines.append(f"Run {new['run_id']} ({new['finished']}"
                     + (f", `{new['command']}`" if new.get("command") else "")
                     + ("" if new.get("canonical") else ", non-default parameters") + ")"
                     + (f" compared with the last canonical run {old['run_id']} "
                        f"({old['finished']})." if old else "; no earlier canonical run to "
                        "compare with."))
        lines += ["", f"**{self.summary()}.**", ""]
        if self.warnings:
            lines += ["## Warnings", ""] + [f"- **{w}**" for w in self.warnings] + [""]
        lines += ["## Notebooks that ran", ""]
        lines += ([f"- `{n}`: {r}" for n, r in self.ran] if self.ran
                  else ["None: every notebook's outputs were current."])
        ran = {n for n, _ in self.ran}
        others = {n: r for n, r in self.why.items() if n not in ran}
        if others:
            lines += ["", "Outputs that differ from the compared run for other reasons "
                      "(run by another command in between):", ""]
            lines += [f"- `{n}`: {'; '.join(r)}" for n, r in sorted(others.items())]
        lines += ["", "## Headline figures that moved", ""]
        if self.moved:
            lines += ["| figure | median before | median now | change | interval before | "
                      "interval now |", "|---|---|---|---|---|---|"]
            for m in sorted(self.moved, key=lambda m: -abs(m.relative)):
                lines.append(f"| {m.label} | {_value(m.old['median'], m)} | "
                             f"{_value(m.new['median'], m)} | {_pct(m.relative)} | "
                             f"{_band(m.old, m)} | {_band(m.new, m)} |")
        else:
            lines.append("None." if old else "Nothing to compare with yet.")
        if self.appeared or self.vanished:
            lines += ["", "## Headline figures added or removed", ""]
            lines += [f"- new: {i}" for i in self.appeared] + [f"- gone: {i}" for i in self.vanished]
        if self.key_figures:
            lines += ["", "## Key figures of the index that changed", ""]
            for key, a, b in self.key_figures:
                lines += [f"- **{key}**", f"  - before: {a or '(none)'}", f"  - now: {b or '(none)'}"]
        if self.left_out:
            lines += ["", "## Rows left out by a default filter", ""]
            lines += [f"- {r}" for r in self.left_out]
        return "\n".join(lines) + "\n"


def _pct(x: float) -> str:
    return "new" if math.isinf(x) else f"{x * 100:+.3g}%"


def _value(x, move: Move) -> str:
    from forecast.present import format_flops_sig, format_sig

    if x is None:
        return ""
    return format_flops_sig(x) if move.figure.get("unit") == "FLOP/s" else format_sig(x, 3)


def _band(values: dict, move: Move) -> str:
    lo, hi = values.get("lower"), values.get("upper")
    return f"{_value(lo, move)} to {_value(hi, move)}" if None not in (lo, hi) else ""


def _differs(a, b) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(b - a) > SAME * max(abs(a), abs(b))


def _left_out_line(row: dict) -> str:
    number = _number(row.get("value"))
    value = f"{number:g} {row.get('unit', '')}" if number is not None else row.get("value", "")
    return (f"{_name(row.get('dir', ''), row.get('notebook', ''))}: {row.get('year', '')} total {value} by "
            f"{row.get('publisher', '')} ({row.get('document', '')}, {row.get('status', '')})"
            f" is not in the series: the default `publishers` filter leaves it out")


def compare(old: dict | None, new: dict) -> Changes:
    """What changed between snapshot ``old`` (None: none) and snapshot ``new``."""
    ran = [(r["name"], r["reason"] or r["status"]) for r in new.get("ran", [])]
    left = [_left_out_line(r) for r in new.get("left_out", [])]
    if old is None:
        return Changes(None, new, ran=ran, left_out=left)
    why, data_files = {}, set()
    for name, nb in new["notebooks"].items():
        before = old["notebooks"].get(name)
        if before is None:
            why[name] = ["not in the compared run"]
            continue
        reasons = [what for part, what in _PARTS.items()
                   if before["key"].get(part) != nb["key"].get(part)]
        for rel in sorted(set(before["inputs"]) | set(nb["inputs"])):
            if before["inputs"].get(rel) != nb["inputs"].get(rel):
                state = ("is new" if rel not in before["inputs"] else
                         "is no longer read" if rel not in nb["inputs"] else "changed")
                reasons.append(f"{rel} {state}")
                if rel.startswith("data/"):
                    data_files.add(rel)
        if reasons:
            why[name] = reasons
    moved = []
    for ident, figure in new["headlines"].items():
        before = old["headlines"].get(ident)
        if before is not None and any(_differs(before[k], figure[k]) for k in VALUES):
            moved.append(Move({k: figure[k] for k in ("dir", "notebook", *KEY)},
                              {k: before[k] for k in VALUES}, {k: figure[k] for k in VALUES}))
    appeared = sorted(set(new["headlines"]) - set(old["headlines"]))
    vanished = sorted(set(old["headlines"]) - set(new["headlines"]))
    keys = [(k, old["key_figures"].get(k), new["key_figures"].get(k))
            for k in dict.fromkeys([*old["key_figures"], *new["key_figures"]])
            if old["key_figures"].get(k) != new["key_figures"].get(k)]
    warnings = []
    for m in moved:
        name = _name(m.figure["dir"], m.figure["notebook"])
        changed = [r.split(" ")[0] for r in why.get(name, []) if r.startswith("data/")]
        if changed:
            warnings.append(f"{m.label} moved {_pct(m.relative)} ({_value(m.old['median'], m)} "
                            f"-> {_value(m.new['median'], m)}) because data changed: "
                            f"{', '.join(changed)}")
    old_left = {_left_out_line(r) for r in old.get("left_out", [])}
    warnings += [f"newly left out of a series: {line}" for line in left if line not in old_left]
    return Changes(old, new, ran=ran, why=why, data_files=sorted(data_files), moved=moved,
                   appeared=appeared, vanished=vanished, key_figures=keys, warnings=warnings,
                   left_out=left)


# -- what a run does at its end -----------------------------------------------------------------

def record(root: Path, results=(), *, canonical: bool, command: str = "") -> Changes:
    """Snapshot the outputs, compare with the last canonical run, write
    ``outputs/history/runs/<run-id>.json`` and ``outputs/changes.md``; return the changes."""
    out = Path(root) / "outputs"
    new = snapshot(root, canonical=canonical, command=command, results=results)
    taken = {p.stem for p in runs(out)}
    base, n = new["run_id"], 2
    while new["run_id"] in taken:  # two runs in one second
        new["run_id"], n = f"{base}-{n}", n + 1
    changes = compare(last_canonical(out), new)
    files.atomic_write_text(out / RUNS / f"{new['run_id']}.json",
                            json.dumps(new, indent=1, sort_keys=True, default=str))
    files.atomic_write_text(out / "changes.md", changes.markdown())
    from forecast import i18n

    summaries = {}
    for lang in i18n.LANGUAGES:  # the index of each language shows the line in its language
        with i18n.use(lang):
            summaries[lang] = changes.summary()
    summary = {"run_id": new["run_id"], "summary": summaries["en"], "summaries": summaries,
               "warnings": changes.warnings,
               "left_out": changes.left_out, "moved": len(changes.moved),
               "largest": changes.largest if changes.moved else 0.0}
    files.atomic_write_text(out / ".cache" / "changes.json", json.dumps(summary, indent=1))
    return changes


def exit_code(changes: Changes, *, fail_on_change: bool, threshold: float = 0.0) -> int:
    """:data:`EXIT_MOVED` when ``fail_on_change`` and a headline median moved by more than
    ``threshold`` (a fraction: 0.05 is 5%); else 0."""
    return EXIT_MOVED if fail_on_change and changes.moved_beyond(threshold) else 0


def index_section(out: Path, href: str = "changes.md") -> str:
    """The short "What changed" block of the index (links to ``href``, the change report);
    "" before the first recorded run.  Its words and summary line are in the current language;
    the warnings and rows left out are quoted from the report, in English."""
    import html

    from forecast.i18n import gettext as _
    from forecast.i18n import language

    try:
        saved = json.loads((Path(out) / ".cache" / "changes.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    e = lambda text: html.escape(str(text), quote=True)  # noqa: E731
    items = "".join(f'<li class="cf-error">{e(w)}</li>' for w in saved.get("warnings", []))
    warned = " ".join(saved.get("warnings", []))  # a row newly left out is already a warning
    items += "".join(f"<li>{e(w)}</li>" for w in saved.get("left_out", []) if w not in warned)
    report = f'<a href="{e(href)}">{e(_("The change report"))}</a>'
    line = saved.get("summaries", {}).get(language(), saved.get("summary", ""))
    return (f'<section id="changes"><h2 id="what-changed">{e(_("What changed"))}</h2><p>'
            + e(_("{summary}. {report} lists every notebook that ran and every headline figure "
                  "that moved.")).format(summary=e(line), report=report) + "</p>"
            + (f"<ul>{items}</ul>" if items else "") + "</section>")
