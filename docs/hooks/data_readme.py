"""MkDocs hook: a page holding ``<!-- include: PATH -->`` shows the file PATH (from the project root).

The data package is described once, in ``data/README.md`` beside the files it describes; the
site's Data page includes it instead of keeping a copy.  Links of the included file are
relative to its own folder, so a link into ``docs/`` is rewritten to the page it names.
``tests/test_docs.py`` expands the same marker, so the included Python blocks run once.
"""

from __future__ import annotations

import re
from pathlib import Path

INCLUDE = re.compile(r"^<!-- include: (\S+) -->$", re.M)


def expand(markdown: str, root: Path) -> str:
    """``markdown`` with every include marker replaced by the named file's text."""
    def text(match: re.Match) -> str:
        path = root / match.group(1)
        body = path.read_text(encoding="utf-8")
        # data/README.md links ../docs/sources.md; from a page in docs/ that is sources.md
        return body.replace("](../docs/", "](")
    return INCLUDE.sub(text, markdown)


def on_page_markdown(markdown, page, config, files):
    return expand(markdown, Path(config["config_file_path"]).parent)
