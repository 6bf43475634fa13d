"""The documentation: every Python block runs, once; the site lists every page and builds.

Every ```python block of ``README.md``, of the pages under ``docs/`` and of the files the pages
include (``<!-- include: data/README.md -->``, see ``docs/hooks/markers.py``) runs here, once,
file by file: the blocks of one file in order and in one namespace, as a reader would paste
them.  A block written as a session (``>>>`` prompts) is run with :mod:`doctest`, so its printed
results must match; any other ``python`` block is executed as a script.  The blocks run in a
copy of the shipped project (``tests/_project.py``: ``data/`` and ``notebooks/`` as committed,
with ``tests/data/``), so an example may load data, run a notebook or write ``outputs/``
without touching the working tree, and a user's own edits cannot change what the examples
print.  A file whose blocks run notebooks says ``<!-- docs-test: slow -->`` on a line of its
own, and its test is marked slow.

The last test keeps the repository's citations inside the repository: no test or library
file may cite a path outside it (the reference figures are in ``docs/sources.md``).
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _project import copy_project

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[^\n]*\n(.*?)^```", re.S | re.M)
PYTHON = {"python", "py", "python3", "pycon"}
SLOW = re.compile(r"^<!-- docs-test: slow -->$", re.M)


def _markers():
    spec = importlib.util.spec_from_file_location("docs_markers", DOCS / "hooks" / "markers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


markers = _markers()


def pages() -> list[Path]:
    """Every Markdown page of the site (``docs/**/*.md``, the hooks' folder left out)."""
    return sorted(p for p in DOCS.rglob("*.md") if "hooks" not in p.relative_to(DOCS).parts)


def sources() -> list[Path]:
    """Files whose Python blocks run: the README, every page, every file a page includes."""
    found = [README, *pages(), *markers.includes(DOCS)]
    return list(dict.fromkeys(p.resolve() for p in found))


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(line, source)`` of each Python code block, in order; line is 1-based (the fence)."""
    return [(text[:m.start()].count("\n") + 1, m.group(2)) for m in FENCE.finditer(text)
            if m.group(1).lower() in PYTHON]


def run_block(line: int, source: str, namespace: dict, name: str = "README.md") -> None:
    """Run one block in ``namespace``; raise AssertionError naming ``name`` and line on failure."""
    if source.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(source, namespace, f"{name}:{line}", name, line)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        report = []
        runner.run(test, out=report.append, clear_globs=False)
        if runner.failures:
            raise AssertionError(f"{name} line {line}: doctest failed\n" + "".join(report))
        return
    try:
        exec(compile(source, f"{name}:{line}", "exec"), namespace)
    except Exception as err:  # an example must run as written
        raise AssertionError(f"{name} line {line}: {type(err).__name__}: {err}") from err


@pytest.fixture(scope="module")
def docs_project(tmp_path_factory) -> Path:
    """A copy of the shipped project, with ``tests/data/`` (examples read R's reference series)."""
    root = copy_project(tmp_path_factory.mktemp("docs") / "project")
    shutil.copytree(ROOT / "tests" / "data", root / "tests" / "data")
    return root


def _case(path: Path):
    name = path.relative_to(ROOT).as_posix()
    slow = SLOW.search(path.read_text(encoding="utf-8"))
    return pytest.param(path, id=name, marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize("path", [_case(p) for p in sources()])
def test_every_python_block_runs(path, docs_project, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(docs_project)
    name = path.relative_to(ROOT).as_posix()
    namespace = {"__name__": "__docs__"}
    for line, source in python_blocks(path.read_text(encoding="utf-8")):
        run_block(line, source, namespace, name)


def test_the_readme_has_one_example_and_fits_on_two_screens():
    text = README.read_text(encoding="utf-8")
    assert len(python_blocks(text)) == 1
    assert len(text.splitlines()) <= 120


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
    with pytest.raises(AssertionError, match="docs/x.md line 9: doctest failed"):
        run_block(9, ">>> x + 2\n2\n", namespace, "docs/x.md")


# -- the site ----------------------------------------------------------------------------------

def nav_pages(nav) -> list[str]:
    """The page paths a MkDocs ``nav`` names, in order (sections flattened)."""
    found = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            found += nav_pages(value)
        elif not re.match(r"[a-z]+://", value):
            found.append(value)
    return found


def test_the_navigation_lists_every_page_once_and_only_pages_that_exist():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = nav_pages(config["nav"])
    on_disk = {p.relative_to(DOCS).as_posix() for p in pages()}
    assert sorted(set(listed) - on_disk) == [], "in mkdocs.yml's nav but not under docs/"
    assert sorted(on_disk - set(listed)) == [], "under docs/ but missing from mkdocs.yml's nav"
    assert len(listed) == len(set(listed)), "a page listed twice"


def test_includes_rewrite_links_for_the_page_that_shows_them(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "docs" / "sources.md").write_text("# Sources\n")
    (tmp_path / "data" / "README.md").write_text(
        "See [sources](../docs/sources.md#s1), [outputs](../outputs/README.md) and "
        "[the web](https://example.org).\n```python\nx = 1\n```\n")
    (tmp_path / "README.md").write_text("[data](data/README.md), ![chart](docs/img/x.png)\n")
    (tmp_path / "docs" / "img").mkdir()
    (tmp_path / "docs" / "img" / "x.png").write_bytes(b"")
    (tmp_path / "docs" / "data.md").write_text("# Data\n\n<!-- include: data/README.md -->\n")
    (tmp_path / "docs" / "index.md").write_text("<!-- include: README.md -->\n")
    docs = tmp_path / "docs"
    data_page = markers.expand((docs / "data.md").read_text(), docs / "data.md", docs)
    assert "[sources](sources.md#s1)" in data_page          # into docs/: the page
    assert "[outputs]" not in data_page and "outputs" in data_page  # outside: its text only
    assert "[the web](https://example.org)" in data_page
    home = markers.expand((docs / "index.md").read_text(), docs / "index.md", docs)
    assert home.startswith("[data](data.md), ![chart](img/x.png)")  # an included file: its page


def test_api_pages_list_every_public_module():
    listed = markers.modules("forecast.scenarios", ROOT)
    assert listed[0] == "forecast.scenarios"
    assert {"forecast.scenarios.spec", "forecast.scenarios.montecarlo"} <= set(listed)
    assert not any(part.startswith("_") for name in listed for part in name.split("."))
    text = markers.api("<!-- api: forecast only: units growth -->", ROOT)
    assert [line for line in text.splitlines() if line] == ["::: forecast.units",
                                                           "::: forecast.growth"]


def test_a_list_right_under_a_paragraph_is_a_list_on_the_site():
    text = "Caveats:\n- one\n- two\n\n```\nx:\n- not a list\n```\n| a |\n- b\n"
    assert markers.lists_interrupt_paragraphs(text) == (
        "Caveats:\n\n- one\n- two\n\n```\nx:\n- not a list\n```\n| a |\n- b\n")


@pytest.mark.slow
def test_the_site_builds_without_a_warning(tmp_path):
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed: `make docs` installs the docs extra")
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                          str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                         check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "analysis" / "index.html").exists()


# -- citations ---------------------------------------------------------------------------------

OUTSIDE = re.compile(r"\.\./shared/|/(shared|brief)/(sources|issue)|data-facts\.md")


@pytest.mark.parametrize("folder", ["tests", "forecast"])
def test_citations_stay_inside_the_repository(folder):
    this = Path(__file__).resolve()
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in sorted((ROOT / folder).rglob("*.py")) if path != this
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if OUTSIDE.search(line)]
    assert offenders == []
