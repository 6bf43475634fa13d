"""Griffe extension: the library's docstrings read well on the site.

The docstrings are written for ``help()`` and doctest: a session (``>>>`` lines and their
output) may stand in the running text, and Sphinx roles (``:func:`load```) name other objects.
Markdown knows neither, so this extension, loaded by mkdocstrings (``mkdocs.yml``), fences each
session as a ``pycon`` block and reduces a role to its code text before the docstring is parsed.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|mod|data|exc|obj|const):`~?([^`]+)`")
FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_docstring(text: str) -> str:
    """``text`` with its ``>>>`` sessions fenced and its Sphinx roles turned into code."""
    out: list[str] = []
    in_fence = in_session = False
    indent = ""
    for line in text.splitlines():
        if FENCE.match(line) and not in_session:
            in_fence = not in_fence
        elif not in_fence and not in_session and line.lstrip().startswith(">>>"):
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            in_session = True
        elif in_session and not line.strip():
            out.append(f"{indent}```")
            in_session = False
        out.append(line if in_fence or in_session else ROLE.sub(r"``\1``", line))
    if in_session:
        out.append(f"{indent}```")
    return "\n".join(out)


class MarkdownDocstrings(griffe.Extension):
    """Rewrite every docstring with :func:`markdown_docstring` as it is loaded."""

    def on_object(self, *, obj, loader, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_docstring(obj.docstring.value)
