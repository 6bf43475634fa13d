"""Every notebook holds narrative, a ``parameters`` cell and library calls (STYLE.md rule 14).

Checked on the stored notebooks (no kernel): one code cell tagged ``parameters``; no
``def``, ``class``, ``for`` or ``while`` statements (comprehensions are expressions and
allowed); no import of a private ``forecast._*`` module; at most :data:`MAX_CODE_LINES`
lines of code (comments and blank lines not counted); stored without outputs.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from _project import SHIPPED

NOTEBOOKS = sorted((SHIPPED / "notebooks").glob("*.ipynb"))  # as committed, not as saved
MAX_CODE_LINES = 100
STATEMENTS = {ast.FunctionDef: "def", ast.AsyncFunctionDef: "def", ast.ClassDef: "class",
              ast.For: "for", ast.AsyncFor: "for", ast.While: "while"}


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"]


def _source(cell: dict) -> str:
    text = "".join(cell["source"])
    # IPython magics and shell escapes are not Python; blank them out for the parser
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in text.splitlines())


def style_problems(path: Path) -> list[str]:
    """Every breach of the notebook rules in ``path``, as ``"cell N: ..."`` texts."""
    problems, lines = [], 0
    cells = _code_cells(path)
    tagged = [i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", [])]
    if len(tagged) != 1:
        problems.append(f"{len(tagged)} code cells tagged 'parameters' (expected 1)")
    for number, cell in enumerate(cells):
        source = _source(cell)
        if cell.get("outputs") or cell.get("execution_count") is not None:
            problems.append(f"code cell {number}: stored with outputs")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if type(node) in STATEMENTS:
                problems.append(f"code cell {number}, line {node.lineno}: "
                                f"'{STATEMENTS[type(node)]}' statement")
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            private = [m for m in modules if m.startswith("forecast._")]
            if isinstance(node, ast.ImportFrom) and node.module == "forecast":
                private += [f"forecast.{n}" for n in names if n.startswith("_")]
            problems += [f"code cell {number}, line {node.lineno}: private import {m}"
                         for m in private]
        lines += sum(1 for line in source.splitlines()
                     if line.strip() and not line.strip().startswith("#"))
    if lines > MAX_CODE_LINES:
        problems.append(f"{lines} lines of code (at most {MAX_CODE_LINES})")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_holds_narrative_parameters_and_calls(path):
    assert style_problems(path) == []


def test_the_checker_finds_each_breach(tmp_path):
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["x = 1\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [{"output_type": "stream"}],
         "execution_count": 3,
         "source": ["from forecast import _io\n", "import forecast._lazy\n",
                    "for i in range(2):\n", "    pass\n", "%matplotlib inline\n",
                    "squares = [i * i for i in range(3)]  # a comprehension is fine\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["def f():\n", "    while True:\n", "        break\n"]},
    ]
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    assert style_problems(path) == [
        "0 code cells tagged 'parameters' (expected 1)",
        "code cell 1: stored with outputs",
        "code cell 1, line 1: private import forecast._io",
        "code cell 1, line 2: private import forecast._lazy",
        "code cell 1, line 3: 'for' statement",
        "code cell 2, line 1: 'def' statement",
        "code cell 2, line 2: 'while' statement",
    ]


def test_the_line_limit_counts_code_only(tmp_path):
    source = ["# a comment\n", "\n"] + [f"x{i} = {i}\n" for i in range(MAX_CODE_LINES + 1)]
    cells = [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": [],
              "execution_count": None, "source": source}]
    path = tmp_path / "long.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    assert style_problems(path) == [f"{MAX_CODE_LINES + 1} lines of code "
                                    f"(at most {MAX_CODE_LINES})"]
