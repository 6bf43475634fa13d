"""MkDocs hook: pages that show a file kept elsewhere, and API pages that list every module.

``<!-- include: PATH -->`` (alone on a line) shows the file PATH, relative to the project root.
The README is the site's home page and ``data/README.md`` its Data page, each kept once, beside
what it describes.  Links of an included file are relative to its own folder; they are
rewritten for the page that shows it: a link into ``docs/`` to that page, a link to a file that
another page includes to that page, and a link to anything else (``outputs/README.md``, a
notebook) to its text, since the site does not hold the file.

``<!-- api: PACKAGE -->`` becomes one mkdocstrings block per module of PACKAGE (the package's
own docstring first, then its modules and sub-packages in alphabetical order; private ``_``
modules left out), so a new module appears in the API reference without editing a page.

``tests/test_docs.py`` reads the same markers (:func:`includes`), so the included Python
blocks run once, with the file that holds them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

INCLUDE = re.compile(r"^<!-- include: (\S+) -->$", re.M)
API = re.compile(r"^<!-- api: ([\w.]+)(?: only: ([\w ]+))? -->$", re.M)
LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def includes(docs: Path) -> dict[Path, Path]:
    """Included file -> the page under ``docs`` that includes it (absolute paths)."""
    root = docs.parent
    found = {}
    for page in sorted(docs.rglob("*.md")):
        for match in INCLUDE.finditer(page.read_text(encoding="utf-8")):
            found[(root / match.group(1)).resolve()] = page.resolve()
    return found


def rewrite_links(text: str, source: Path, page: Path, docs: Path, shown: dict[Path, Path]) -> str:
    """``text`` (the file ``source``) with its relative links made valid from ``page``."""
    def link(match: re.Match) -> str:
        bang, label, target = match.groups()
        if re.match(r"[a-z]+:|#", target):
            return match.group(0)  # a URL or an anchor
        path, _, anchor = target.partition("#")
        resolved = (source.parent / path).resolve()
        if resolved.is_dir():
            return label  # a folder: the site shows its pages, not the folder
        if resolved.is_relative_to(docs.resolve()):
            new = resolved
        elif resolved in shown:
            new = shown[resolved]
        else:
            return label  # a file the site does not hold: its name, as written
        rel = os.path.relpath(new, page.parent).replace(os.sep, "/")
        return f"{bang}[{label}]({rel}{'#' + anchor if anchor else ''})"
    return LINK.sub(link, text)


def expand(markdown: str, page: Path, docs: Path) -> str:
    """``markdown`` (the page ``page`` under ``docs``) with its include markers replaced."""
    root, shown = docs.parent, includes(docs)

    def text(match: re.Match) -> str:
        source = (root / match.group(1)).resolve()
        return rewrite_links(source.read_text(encoding="utf-8"), source, page.resolve(), docs,
                             shown)
    return INCLUDE.sub(text, markdown)


def modules(package: str, root: Path) -> list[str]:
    """``package`` and every public module and sub-package under it, in reading order."""
    folder = root.joinpath(*package.split("."))
    names = [package]
    for path in sorted(folder.iterdir()):
        if path.name.startswith("_"):
            continue
        if path.is_dir() and (path / "__init__.py").exists():
            names += modules(f"{package}.{path.name}", root)
        elif path.suffix == ".py":
            names.append(f"{package}.{path.stem}")
    return names


def api(markdown: str, root: Path) -> str:
    """``markdown`` with each ``<!-- api: PACKAGE -->`` marker replaced by mkdocstrings blocks.

    ``<!-- api: forecast only: units growth -->`` documents only the named modules of PACKAGE
    (without its sub-packages), for the foundation modules at the top of ``forecast/``.
    """
    def blocks(match: re.Match) -> str:
        package, only = match.group(1), match.group(2)
        if only:
            names = [f"{package}.{name}" for name in only.split()]
        else:
            names = modules(package, root)
        out = []
        for name in names:
            is_package = (root.joinpath(*name.split(".")) / "__init__.py").exists()
            # a package's page shows its docstring; its modules follow as their own blocks
            options = "\n    options:\n      members: false" if is_package else ""
            out.append(f"::: {name}{options}\n")
        return "\n".join(out)
    return API.sub(blocks, markdown)


BULLET = re.compile(r"^(?:[*+-]|1[.)]) ")


def lists_interrupt_paragraphs(markdown: str) -> str:
    """``markdown`` with a blank line before each list that follows a paragraph line.

    The pages are written for GitHub too, where a list may start right under a paragraph
    ("Caveats:" then "- ..."); Python-Markdown needs a blank line there, or it reads the items
    as text of the paragraph.  Code blocks are left alone.
    """
    out: list[str] = []
    fence = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        elif (not fence and BULLET.match(line) and out and out[-1].strip()
              and not BULLET.match(out[-1]) and not out[-1].startswith((" ", "|", "#", "<"))):
            out.append("")
        out.append(line)
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files):
    docs = Path(config["docs_dir"])
    root = Path(config["config_file_path"]).parent
    markdown = expand(markdown, docs / page.file.src_path, docs)
    return lists_interrupt_paragraphs(api(markdown, root))
