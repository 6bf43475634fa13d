"""docs/scheduling.md ("Running on a schedule") says what the command does: its cron line is a
valid command line, and its exit-code table is the one the command uses."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from forecast import cli
from forecast.pipeline import changes

ROOT = Path(__file__).resolve().parents[1]


def shipped(rel: str) -> str:
    """The committed page (a user's edits of the work tree do not count)."""
    return subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:{rel}"], check=True,
                          capture_output=True, text=True).stdout


def test_the_documented_cron_line_parses():
    page = shipped("docs/scheduling.md")
    line = next(l for l in page.splitlines() if "compute-forecast run" in l and "cd " in l)
    argv = shlex.split(line.split(".venv/bin/compute-forecast", 1)[1])
    args = cli.build_parser().parse_args(argv)
    assert (args.command, args.quiet, args.no_wait, args.fail_on_change) == ("run", True, True, True)
    assert args.threshold == 5.0


def test_the_documented_exit_codes_are_the_command_s():
    page = shipped("docs/scheduling.md")
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", page, re.M))
    assert set(table) >= {"0", "1", "2", "3", "130"}
    assert changes.EXIT_MOVED == 3 and "--fail-on-change" in table["3"]
    run_help = cli.build_parser()._subparsers._group_actions[0].choices["run"].format_help()
    assert "exit 3 when a headline figure moved" in " ".join(run_help.split())


def test_threshold_must_be_a_percentage(capsys):
    assert cli.main(["run", "--threshold", "-5"]) == 2
    assert "expected a percentage >= 0" in capsys.readouterr().err
    assert cli.build_parser().parse_args(["diff", "--threshold", "12.5%"]).threshold == 12.5
