"""Languages: the pages in English (the source) or Simplified Chinese, from message catalogs.

Every text a reader sees is written in English in the code and the notebooks, and looked up
at the moment it is shown in the catalog of the current language: gettext ``.po`` files read
with Babel, one per module or notebook, in ``forecast/locale/<lang>/LC_MESSAGES/``
(``present.plots.po`` holds the strings of :mod:`forecast.present.plots`,
``notebooks.01_global_compute.po`` those of that notebook).  Numbers are never translated:
they are formatted the same way in both languages, with SI units as CAICT writes them
(ZFLOPS, EFLOPS), so a table's cells are equal between the ``en`` and ``zh`` pages.

The current language comes from :func:`use` (a context, for one thread or task), else the
environment variable ``COMPUTE_FORECAST_LANG`` (set by ``compute-forecast run --lang zh`` in
each notebook's kernel), else English.

How a text is looked up (:func:`gettext`):

1. exactly, after trimming the ends of its lines (a Markdown block, a template of
   :func:`forecast.present.prose`, a chart label);
2. else with its numbers taken out: ``"median 2030"`` is looked up as ``"median {0}"`` and
   the numbers put back in the translation's slots, so a column header or legend label that
   carries a year or a level needs one catalog entry, not one per value;
3. else it is shown as it is (names of publishers, documents and models are not translated)
   and, if it looks like English words, remembered by :func:`missed` so that the catalog
   check (``compute-forecast catalog --check``) and the tests can name it; with
   ``COMPUTE_FORECAST_MISSED=FILE`` in the environment each such text is also appended to
   ``FILE`` (one JSON string a line), so a translator can run the notebooks in Chinese and
   read what is still English.

``N_("text")`` marks a text for the catalog without translating it (for constants read
before the language is known); ``_`` is :func:`gettext`.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import threading
from pathlib import Path

from forecast.errors import ParameterError

__all__ = ["LANGUAGES", "SOURCE", "ENV", "HTML_LANG", "language", "use", "gettext", "_", "N_",
           "ngettext", "catalog", "missed", "MISSED_ENV", "markdown_blocks", "translate_markdown", "catalog_dir", "check_language", "is_translated"]

#: languages the pages are written in -> their own name (shown on the language switch)
LANGUAGES = {"en": "English", "zh": "简体中文"}
#: the language the code and notebooks are written in
SOURCE = "en"
#: environment variable holding the language of a notebook's kernel
ENV = "COMPUTE_FORECAST_LANG"
#: environment variable naming a file that collects texts looked up without a translation
MISSED_ENV = "COMPUTE_FORECAST_MISSED"
#: the ``lang`` attribute of an HTML page in each language (BCP 47)
HTML_LANG = {"en": "en", "zh": "zh-Hans"}

_override: contextvars.ContextVar[str | None] = contextvars.ContextVar("forecast_lang",
                                                                        default=None)
_catalogs: dict[str, dict[str, str]] = {}
_missed: dict[str, set[str]] = {}
_lock = threading.Lock()
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:,\d{3})*(?:\.\d+)?(?![\w])")
_WORDS = re.compile(r"[A-Za-z]{3,}")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def catalog_dir() -> Path:
    """The folder holding one sub-folder per language: ``forecast/locale``."""
    return Path(__file__).resolve().parent / "locale"


def check_language(lang: str, name: str = "lang") -> str:
    """``lang`` if it is a language of :data:`LANGUAGES`; else ParameterError naming ``name``."""
    if lang not in LANGUAGES:
        raise ParameterError("unknown language", name=name,
                             expected="one of " + ", ".join(LANGUAGES), value=lang)
    return lang


def language() -> str:
    """The current language: :func:`use`'s, else ``$COMPUTE_FORECAST_LANG``, else ``"en"``."""
    lang = _override.get() or os.environ.get(ENV) or SOURCE
    return check_language(lang, ENV)


@contextlib.contextmanager
def use(lang: str):
    """Within the block, texts are looked up in ``lang`` (this thread or task only)."""
    token = _override.set(check_language(lang))
    try:
        yield lang
    finally:
        _override.reset(token)


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def catalog(lang: str) -> dict[str, str]:
    """Every translated message of ``lang``: English text -> translation (read once).

    Read from all ``.po`` files of the language with Babel; untranslated and fuzzy
    entries are left out (they show in English and count as missing).
    """
    check_language(lang)
    with _lock:
        if lang not in _catalogs:
            messages: dict[str, str] = {}
            folder = catalog_dir() / lang / "LC_MESSAGES"
            if lang != SOURCE and folder.is_dir():
                from babel.messages.pofile import read_po

                for path in sorted(folder.glob("*.po")):
                    with open(path, "rb") as handle:
                        for message in read_po(handle, locale=None):
                            if message.id and message.string and not message.fuzzy:
                                messages[_normal(str(message.id))] = str(message.string)
            _catalogs[lang] = messages
        return _catalogs[lang]


def _remember(lang: str, text: str) -> None:
    if _WORDS.search(text) and not _CJK.search(text):
        with _lock:
            seen = _missed.setdefault(lang, set())
            if text in seen:
                return
            seen.add(text)
            target = os.environ.get(MISSED_ENV)
        if target:
            import json

            with open(target, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(text, ensure_ascii=False) + "\n")


def gettext(text: str, lang: str | None = None) -> str:
    """``text`` in the current language (or ``lang``); see the module docstring."""
    if not isinstance(text, str) or not text.strip():
        return text
    lang = lang or language()
    if lang == SOURCE or _CJK.search(text):  # already translated, e.g. by present.text
        return text
    messages = catalog(lang)
    key = _normal(text)
    found = messages.get(key)
    if found is not None:
        return found
    numbers = _NUMBER.findall(key)
    if numbers:
        slots = iter(range(len(numbers)))
        template = _NUMBER.sub(lambda m: "{%d}" % next(slots), key)
        found = messages.get(template)
        if found is not None:
            try:
                return found.format(*numbers)
            except (IndexError, KeyError, ValueError):
                pass
    _remember(lang, key)
    return text


_ = gettext


def N_(text: str) -> str:
    """Mark ``text`` for the catalog; return it untranslated (translate it where shown)."""
    return text


def ngettext(singular: str, plural: str, n: int) -> str:
    """``singular`` or ``plural`` by ``n``, translated (Chinese has one form for both)."""
    return gettext(singular if n == 1 else plural)


def markdown_blocks(source: str) -> list[tuple[bool, str]]:
    """A Markdown text cut where it is translated: ``(translatable, text)`` pieces that join
    back (with ``"\n\n"``) into the same document.  Text between blank lines is one piece;
    a fenced code block is one untranslatable piece."""
    pieces: list[tuple[bool, str]] = []
    block: list[str] = []
    fence: list[str] | None = None
    for line in source.splitlines():
        if fence is not None:
            fence.append(line)
            if line.lstrip().startswith("```"):
                pieces.append((False, "\n".join(fence)))
                fence = None
        elif line.lstrip().startswith("```"):
            if block:
                pieces.append((True, _normal("\n".join(block))))
                block = []
            fence = [line]
        elif line.strip():
            block.append(line)
        elif block:
            pieces.append((True, _normal("\n".join(block))))
            block = []
    if fence is not None:
        pieces.append((False, "\n".join(fence)))
    if block:
        pieces.append((True, _normal("\n".join(block))))
    return pieces


def translate_markdown(source: str, lang: str | None = None) -> str:
    """A Markdown cell in ``lang`` (the current language), block by block."""
    lang = lang or language()
    if lang == SOURCE:
        return source
    return "\n\n".join(gettext(text, lang) if translatable else text
                        for translatable, text in markdown_blocks(source))


def is_translated(text: str, lang: str | None = None) -> bool:
    """Whether ``text`` has a translation in ``lang`` (the current language)."""
    lang = lang or language()
    return lang == SOURCE or gettext(text, lang) != text or bool(_CJK.search(text))


def missed(lang: str | None = None) -> list[str]:
    """Texts of English words looked up in ``lang`` (all languages) and not found, sorted."""
    with _lock:
        if lang is not None:
            return sorted(_missed.get(lang, ()))
        return sorted(set().union(*_missed.values())) if _missed else []
