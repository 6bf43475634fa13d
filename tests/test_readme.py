"""Every Python block of README.md runs, in order, in one namespace, as a reader would paste them.

A block written as a session (``>>>`` prompts) is run with :mod:`doctest`, so its printed
results must match; any other ``python`` block is executed as a script.  Blocks run from the
project root (the examples load ``data/``), and a later block may use names an earlier one
defined (the backtest example reuses ``y`` from the Models example).  A block that cannot run
(a signature sketch with ``...``) must not be presented as Python: write it as text.

The second test keeps the repository's citations inside the repository: no test or library
file may cite a path outside it (the reference figures are in ``docs/sources.md``).
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[^\n]*\n(.*?)^```", re.S | re.M)
PYTHON = {"python", "py", "python3", "pycon"}


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(line, source)`` of each Python code block, in order; line is 1-based (the fence)."""
    return [(text[:m.start()].count("\n") + 1, m.group(2)) for m in FENCE.finditer(text)
            if m.group(1).lower() in PYTHON]


def run_block(line: int, source: str, namespace: dict) -> None:
    """Run one block in ``namespace``; raise AssertionError naming the README line on failure."""
    if source.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(source, namespace, f"README.md:{line}",
                                                   str(README), line)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        report = []
        runner.run(test, out=report.append, clear_globs=False)
        if runner.failures:
            raise AssertionError(f"README.md line {line}: doctest failed\n" + "".join(report))
        return
    try:
        exec(compile(source, f"README.md:{line}", "exec"), namespace)
    except Exception as err:  # a README example must run as written
        raise AssertionError(f"README.md line {line}: {type(err).__name__}: {err}") from err


def test_every_python_block_of_the_readme_runs_in_order(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert blocks, "README.md has no Python block"
    namespace = {"__name__": "__readme__"}
    for line, source in blocks:
        run_block(line, source, namespace)


def test_block_extraction_and_failures_name_the_line():
    text = ("intro\n```python\nx = 1\n```\n\n```bash\nmake run\n```\n"
            "```pycon\n>>> x + 1\n2\n```\n```python\nundefined_name\n```\n")
    blocks = python_blocks(text)
    assert [line for line, _ in blocks] == [2, 9, 13]
    namespace: dict = {}
    run_block(*blocks[0], namespace)
    run_block(*blocks[1], namespace)  # uses x from the first block
    with pytest.raises(AssertionError, match="README.md line 13: NameError"):
        run_block(*blocks[2], namespace)
    with pytest.raises(AssertionError, match="README.md line 9: doctest failed"):
        run_block(9, ">>> x + 2\n2\n", namespace)


OUTSIDE = re.compile(r"\.\./shared/|/(shared|brief)/(sources|issue)|data-facts\.md")


@pytest.mark.parametrize("folder", ["tests", "forecast"])
def test_citations_stay_inside_the_repository(folder):
    this = Path(__file__).resolve()
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in sorted((ROOT / folder).rglob("*.py")) if path != this
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if OUTSIDE.search(line)]
    assert offenders == []
