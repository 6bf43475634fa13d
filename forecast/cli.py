"""The ``compute-forecast`` command (also ``python -m forecast``): a thin shell over the runner.

Exit codes: 0 success; 1 a notebook failed (or the run was interrupted: 130);
3 with ``--fail-on-change``: a headline figure moved by more than ``--threshold`` percent;
2 bad usage (unknown option, notebook, scenario or parameter, wrong type, bad
``--params`` file, no project here, another run holding the outputs with
``--no-wait``) or a file-system fault (read-only or unusable ``outputs/``, an
unreadable file).  These print one line naming the path, never a traceback.

Nothing heavy is imported at module level, so ``compute-forecast --help`` starts
in a few tens of milliseconds; the runner imports papermill and nbconvert only
when a notebook has to run.
"""

from __future__ import annotations

import argparse
import sys

EXAMPLES = """\
examples:
  compute-forecast run                                  regenerate what changed
  compute-forecast run --only 01 --param end_year=2035  one notebook, one parameter
  compute-forecast run --params my.yaml --force         parameters from a file, ignore the cache
  compute-forecast run --all-scenarios                  bear/base/bull + comparison page
  compute-forecast run -q --fail-on-change --threshold 5  cron: exit 3 when a headline moved > 5%
  compute-forecast diff                                 what changed between the last two runs
  compute-forecast run --lang all                       every page in English and Chinese
  compute-forecast catalog --check                      is every English text translated?
  compute-forecast params 01_global_compute             list a notebook's parameters
  compute-forecast sweep 03 --grid notebooks/sweeps/03_monte_carlo.yaml   a parameter sweep
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints the whole usage)
        message = " ".join(message.split())  # one line, whatever the user typed
        if len(message) > 200:
            message = message[:197] + "..."
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_int(text: str) -> int:
    from forecast.errors import excerpt

    try:
        value = int(text) if len(text) <= 18 else 0
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {excerpt(text, 40)}")
    return value


def _positive_float(text: str) -> float:
    from forecast.errors import excerpt

    try:
        value = float(text) if len(text) <= 40 else 0.0
    except ValueError:
        value = 0.0
    if not 0 < value <= 30 * 86400:  # inf would overflow the kernel's deadline
        raise argparse.ArgumentTypeError(f"expected seconds > 0, got {excerpt(text, 40)} "
                                         f"(at most 2592000: 30 days)")
    return value


def _percent(text: str) -> float:
    from forecast.errors import excerpt

    try:
        value = float(text.rstrip("%")) if len(text) <= 40 else -1.0
    except ValueError:
        value = -1.0
    if not 0 <= value < 1e6:
        raise argparse.ArgumentTypeError(f"expected a percentage >= 0 (5 or 5%), got "
                                         f"{excerpt(text, 40)}")
    return value


def _change_options(parser) -> None:
    parser.add_argument("--fail-on-change", action="store_true",
                        help="exit 3 when a headline figure moved by more than --threshold "
                        "(for cron jobs; docs/scheduling.md)")
    parser.add_argument("--threshold", type=_percent, default=0.0, metavar="PCT",
                        help="with --fail-on-change: only a move larger than PCT percent of "
                        "the old median counts (default 0: any move)")


def build_parser() -> argparse.ArgumentParser:
    from forecast._version import __version__

    parser = _Parser(prog="compute-forecast", description=(
        "Regenerate the compute-forecast notebooks into outputs/ (HTML, figures, tables)."),
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"compute-forecast {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="execute the notebooks and render outputs/",
                         description="Execute notebooks/*.ipynb with papermill into outputs/ "
                         "(notebooks, figures, tables, html, index.html). Notebooks whose code, "
                         "parameters, data files, library and packages are unchanged are skipped.")
    run.add_argument("--only", action="append", default=[], metavar="NAME",
                     help="run only this notebook (stem, file name or unique prefix, e.g. 01); "
                     "repeatable")
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="set a parameter (a Python literal: 2035, 0.5, 'text', [1, 2]) in every "
                     "selected notebook that declares it; repeatable; overrides --params")
    run.add_argument("--params", metavar="FILE.yaml",
                     help="parameters from a YAML mapping; a key naming a notebook holds "
                     "parameters for that notebook only")
    run.add_argument("--force", action="store_true", help="ignore the cache: run everything selected")
    run.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
                     help="notebooks run at once (default: number of cores)")
    run.add_argument("--timeout", type=_positive_float, metavar="SECONDS",
                     help="fail a notebook that runs longer than this (default: no limit)")
    group = run.add_mutually_exclusive_group()
    group.add_argument("--scenario", metavar="NAME",
                       help="run the notebooks with a 'scenario' parameter for this scenario "
                       "(notebooks/params/NAME.yaml) into outputs/scenarios/NAME/")
    group.add_argument("--all-scenarios", action="store_true",
                       help="run every scenario and write outputs/scenarios/index.html")
    run.add_argument("--show-code", action="store_true",
                     help="show code cells in the HTML pages (hidden by default)")
    run.add_argument("--no-wait", action="store_true",
                     help="refuse (exit 2) instead of waiting when another run holds outputs/")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    _change_options(run)
    run.add_argument("--no-refresh", action="store_true",
                     help="do not refresh other output folders this run left stale (the last "
                     "line names them); a run with --only, --param or --params never does")
    run.add_argument("--pdf", action="store_true",
                     help="also print the index and every page to PDF (A4) into outputs/pdf/ "
                     "with headless Chromium (Debian's 'chromium' package)")
    run.add_argument("--lang", choices=["en", "zh", "all"], default="en",
                     help="language of the pages: en (default, outputs/), zh (Simplified "
                     "Chinese, outputs/zh/) or all (both); each page links to the other")
    run.add_argument("--no-report", action="store_true",
                     help="do not record this run or write outputs/changes.md: the next run's "
                     "report then covers its changes too (make run's first step)")

    diff = sub.add_parser("diff", help="compare two recorded runs (headline figures, why)",
                          description="Compare two runs recorded in outputs/history/runs/: "
                          "which notebooks' inputs differ and every headline figure that moved. "
                          "RUN is a run id (or a unique prefix), latest, previous or a file; "
                          "default: previous and latest.")
    diff.add_argument("run_a", nargs="?", default=None, metavar="RUN_A")
    diff.add_argument("run_b", nargs="?", default=None, metavar="RUN_B")
    _change_options(diff)

    params = sub.add_parser("params", help="list a notebook's parameters",
                            description="Print the parameters of a notebook: name, default, "
                            "type and the comment beside each.")
    params.add_argument("notebook", metavar="NOTEBOOK",
                        help="notebook file, or name in the project's notebooks/ (e.g. 01)")

    catalog = sub.add_parser("catalog", help="check or update the Chinese message catalogs",
                             description="The message catalogs of the pages' languages "
                             "(forecast/locale/<lang>/LC_MESSAGES/*.po): --check (default) lists "
                             "every English text without a translation and exits 1 if there is "
                             "one; --update adds new texts (empty) and drops vanished ones.")
    catalog.add_argument("--update", action="store_true",
                         help="rewrite the catalogs from the sources (translations are kept)")
    catalog.add_argument("--check", action="store_true", help="list the problems (default)")
    catalog.add_argument("--lang", choices=["zh"], default="zh", help="language (default zh)")

    _add_sweep(sub)
    return parser


def _catalog(args) -> int:
    """``compute-forecast catalog``: 0 when every text is translated, 1 otherwise."""
    from forecast import paths
    from forecast.pipeline import catalog

    root = paths.project_root()
    if args.update:
        changed = catalog.update(root, args.lang)
        print(f"{len(changed)} catalog file(s) rewritten in {catalog.po_path('x', args.lang).parent}")
    problems = catalog.check(root, args.lang)
    for line in problems[:200]:
        print(line)
    more = f" (first 200 shown)" if len(problems) > 200 else ""
    print(f"{len(problems)} problem(s){more}" if problems else "every text has a translation")
    return 1 if problems else 0


# -- sweep -------------------------------------------------------------------------------------

SWEEP_DESCRIPTION = (
    "Run NOTEBOOK once per point of a grid file into outputs/sweeps/NAME/points/<id>/ "
    "(cached per point; a failing point does not stop the others), gather every point's "
    "headline rows into outputs/sweeps/NAME/sweep.csv (rewritten as each point finishes) and "
    "write the sweep page outputs/sweeps/NAME/index.html. Exit 0 when every point is ok, 1 "
    "when one failed, 2 for a bad grid file or option, 130 on Ctrl-C and 143 on SIGTERM (the "
    "finished points are kept; workers end with the sweep). Grid files: docs/sweeps.md.")


def _add_sweep(sub) -> None:
    """The ``compute-forecast sweep`` subcommand (run by :func:`_sweep`)."""
    from forecast.pipeline.sweep.grid import DEFAULT_MAX_POINTS  # light: no pandas or Dask

    sweep = sub.add_parser("sweep", help="run a notebook over a grid of parameters into "
                           "outputs/sweeps/NAME/", description=SWEEP_DESCRIPTION)
    sweep.add_argument("notebook", metavar="NOTEBOOK",
                       help="notebook name (stem or unique prefix, e.g. 03)")
    sweep.add_argument("--grid", required=True, metavar="FILE.yaml",
                       help="grid file: parameters with lists of values (every combination), "
                       "or grid:, ranges:, sampling:, fixed: sections")
    sweep.add_argument("--name", metavar="NAME",
                       help="folder under outputs/sweeps/ (default: the grid file's name)")
    sweep.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
                       help="points at once (default: number of cores)")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--dask", choices=["local"],
                       help="run the points on a Dask LocalCluster of --jobs workers")
    where.add_argument("--scheduler", metavar="ADDR",
                       help="submit the points to an existing Dask scheduler (tcp://HOST:PORT); "
                       "its workers must see the project at the same path (shared filesystem)")
    sweep.add_argument("--max-points", type=_positive_int, metavar="N",
                       help=f"allow more than {DEFAULT_MAX_POINTS} points")
    sweep.add_argument("--timeout", type=_positive_float, metavar="SECONDS",
                       help="fail a point that runs longer than this")
    sweep.add_argument("--html", action="store_true", help="render each point's HTML page")
    sweep.add_argument("--force", action="store_true", help="rerun every point (ignore the cache)")
    sweep.add_argument("--no-wait", action="store_true",
                       help="refuse (exit 2) when another sweep of this name is running")
    sweep.add_argument("--quiet", "-q", action="store_true", help="no progress display")


def _sweep(args) -> int:
    """``compute-forecast sweep``: exit 0 when every point is ok, 1 when one failed."""
    from forecast.pipeline.sweep import driver
    from forecast.pipeline.sweep.executors import SweepProgress

    executor = "dask-local" if args.dask else "dask" if args.scheduler else "local"
    root, path, checked, name = driver.plan(args.notebook, args.grid, name=args.name,
                                            max_points=args.max_points)
    progress = SweepProgress(len(checked.points), name=name, quiet=args.quiet)
    try:
        report = driver.execute(path, args.grid, name=name, executor=executor, jobs=args.jobs,
                                scheduler=args.scheduler, max_points=args.max_points,
                                project=root, html=args.html, timeout=args.timeout,
                                force=args.force, wait=not args.no_wait, progress=progress)
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM (driver.Terminated): 130 or 143
        terminated = isinstance(stop, driver.Terminated)
        word = "terminated (SIGTERM)" if terminated else "interrupted (Ctrl-C)"
        report = getattr(stop, "sweep_report", None)
        if report is None:
            print(f"compute-forecast: sweep {word} before any point ran", file=sys.stderr)
        else:
            counts = report.counts
            print(f"compute-forecast: sweep {word}: {report.csv} has the "
                  f"{len(report.outcomes) - counts['not run']} points that finished; "
                  f"{counts['not run']} not run (the same command runs them, the finished ones "
                  "are cached)", file=sys.stderr)
        return 143 if terminated else 130
    counts = report.counts
    if args.scheduler and counts["cached"] == len(report.outcomes):
        progress.say(f"every point was cached: nothing was sent to the scheduler "
                     f"{args.scheduler}, which was not contacted (--force reruns them there)")
    progress.say(f"{counts['ok']} ran, {counts['cached']} cached, {counts['failed']} failed "
                 f"in {report.seconds:.1f} s; {report.csv}; open {report.page}")
    return report.exit_code


def _params(args) -> int:
    from pathlib import Path

    from forecast import paths
    from forecast.pipeline import params as notebook_params
    from forecast.pipeline import runplan

    path = Path(args.notebook)
    if not path.is_file():
        path = runplan.select(runplan.notebooks(paths.project_root()), [args.notebook])[0]
    print(notebook_params.format_parameters(path))
    return 0


def _publish(out, progress, browser=None, langs=("en",)) -> None:
    """The workbook of every table (rebuilt when a table changed) and, with --pdf, the pages
    printed to PDF, in each language of ``langs``."""
    from forecast import i18n
    from forecast.pipeline import runplan

    root = out.parent
    for lang in langs:
        with i18n.use(lang):
            _publish_one(runplan.language_root(root, lang), progress, browser)


def _publish_one(out, progress, browser=None) -> None:
    from forecast.errors import ForecastError
    from forecast.pipeline import workbook

    try:
        book = workbook.write_if_changed(out)
    except ForecastError as err:  # the tables and pages are there; say what is missing
        progress.say(f"warning: {err}")
    else:
        if book is not None:
            progress.say(f"workbook {book}")
    if browser is not None:
        from forecast.pipeline import pdf

        printed = pdf.print_site(out, browser=browser)
        progress.say(f"{len(printed)} pages printed to PDF in {out / 'pdf'}")


def _run(args) -> int:
    """The run, then the folders it left stale (refreshed, or named in the last line), then
    the change report (outputs/changes.md) and the index that shows it."""
    import datetime as dt

    from forecast import paths
    from forecast.pipeline import changes, freshness, runner
    from forecast.pipeline.progress import Progress

    started = dt.datetime.now(dt.timezone.utc)
    browser = None
    if args.pdf:  # before the run: a missing browser is said at once, in one line
        from forecast.pipeline import pdf

        browser = pdf.chromium()
    progress = Progress(quiet=args.quiet)
    options = dict(jobs=args.jobs, timeout=args.timeout, show_code=args.show_code,
                   wait=not args.no_wait, progress=progress)
    langs = ("en", "zh") if args.lang == "all" else (args.lang,)
    report = runner.run(only=args.only, params=args.param, params_file=args.params,
                        force=args.force, scenario=args.scenario,
                        all_scenarios=args.all_scenarios, langs=langs, **options)
    root = paths.project_root()
    results, code = list(report.results), report.exit_code

    def stale():  # what is stale, but not what this command ran (a failed notebook runs once)
        ran = {(r.scenario, r.stem) for r in results if r.status != "cached" and r.lang == "en"}
        return [s for s in freshness.stale(root, show_code=args.show_code, wait=not args.no_wait)
                if (s.scenario, s.stem) not in ran]

    left = stale()
    if left and not (args.only or args.param or args.params or args.no_refresh):
        for more in freshness.refresh(root, left, **options):
            results += more.results
            code = max(code, more.exit_code)
        left = stale()
    if args.no_report:
        _publish(root / "outputs", progress, browser, langs)
        progress.say(freshness.advice(left) or f"open {report.index}")
        return code
    with runner.RunLock(root / "outputs" / ".lock", wait=not args.no_wait):
        # the change report follows the English run: the numbers are the same in every language
        found = changes.record(root, [r for r in results if r.lang == "en"],
                               canonical=not (args.param or args.params),
                               command=" ".join(["compute-forecast", *args.argv]))
        from forecast.pipeline.site import pages
        from forecast._version import __version__

        index = pages.write_indexes(root, results, {
            "run_started": started.isoformat(timespec="seconds"),
            "git_commit": runner.git_commit(root), "library_version": __version__}, langs=langs)
    _publish(root / "outputs", progress, browser, langs)
    progress.say(f"changes: {found.summary()}; report {root / 'outputs' / 'changes.md'}")
    for warning in found.warnings:
        progress.say(f"warning: {warning}")
    progress.say(freshness.advice(left) or f"open {index}")
    moved = changes.exit_code(found, fail_on_change=args.fail_on_change,
                              threshold=args.threshold / 100)
    return code or moved


def _diff(args) -> int:
    from forecast import paths
    from forecast.pipeline import changes

    out = paths.project_root() / "outputs"
    if args.run_a is not None and args.run_b is None:
        a, b = changes.find(out, args.run_a), changes.find(out, "latest")
    else:
        a = changes.find(out, args.run_a or "previous")
        b = changes.find(out, args.run_b or "latest")
    found = changes.compare(changes.load(a), changes.load(b))
    print(found.markdown(), end="")
    return changes.exit_code(found, fail_on_change=args.fail_on_change,
                             threshold=args.threshold / 100)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``compute-forecast``; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)  # for the change report
    except SystemExit as stop:  # --help, --version (0) and usage errors (2)
        return stop.code if isinstance(stop.code, int) else 2
    if args.command is None:
        parser.print_help()
        return 2
    from forecast.errors import ForecastError

    try:
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "diff":
            return _diff(args)
        if args.command == "catalog":
            return _catalog(args)
        return _run(args) if args.command == "run" else _params(args)
    except ForecastError as err:
        print(f"compute-forecast: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # read-only outputs/, a full disk, a folder where a file goes...
        where = f"{err.filename}: " if err.filename else ""
        print(f"compute-forecast: error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:
        terminated = type(stop).__name__ == "Terminated"  # SIGTERM, handled like Ctrl-C
        print(f"compute-forecast: {'terminated' if terminated else 'interrupted'}; finished "
              f"notebooks were kept, no file was half-written", file=sys.stderr)
        return 143 if terminated else 130


if __name__ == "__main__":
    sys.exit(main())
