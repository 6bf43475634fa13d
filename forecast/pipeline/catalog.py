"""The message catalogs: extract every English text a page shows, keep the ``.po`` files in step,
and check that each text has a translation.

Where texts come from:

* **the library**: string literals marked ``_("...")``, ``N_("...")``, ``gettext`` or
  ``ngettext``, found in the module's syntax tree (inside f-strings too); one catalog per
  module, named by its dotted path
  below ``forecast`` (``present.plots.po``);
* **term lists**: ``forecast/locale/terms/<name>.txt``, one English text a line (``#``
  starts a comment): texts that reach a page from data or frames rather than from code, such
  as column headers (``median {0}``: numbers are slots, see :func:`forecast.i18n.gettext`),
  path and model names, status words; one catalog per list (``terms.<name>.po``);
* **the notebooks**: each Markdown block (text between blank lines; fenced code is skipped),
  the template of every ``present.prose(...)`` / ``present.text(...)`` call, and string
  constants given as ``caption=``, ``title=``, ``alt=``, ``label=``, ``xlabel=`` or
  ``ylabel=``; one catalog per notebook (``notebooks.01_global_compute.po``).  An f-string
  in those places cannot be a catalog entry (its text changes with its values): it is
  reported, and the fix is ``present.text("... {place} ...", place=place)``.

:func:`update` writes the catalogs (new texts with an empty translation, vanished ones
dropped, translations kept); :func:`check` lists what is wrong: an empty or fuzzy
translation, a placeholder of the English text missing from the translation or the other way
round, a catalog out of step with the sources, an f-string, one English text translated two
ways in two catalogs (the pages read them as one).  ``compute-forecast catalog``
runs either; a test runs :func:`check`.
"""

from __future__ import annotations

import ast
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from forecast import i18n

__all__ = ["Message", "extract", "library_messages", "term_messages", "notebook_messages",
           "update", "check", "untranslated", "translate", "po_path", "LOCALE_TAGS"]

#: Babel locale of each catalog language
LOCALE_TAGS = {"zh": "zh_Hans_CN"}
#: keyword arguments whose constant string values are page text
TEXT_KEYWORDS = ("caption", "title", "alt", "label", "xlabel", "ylabel")
#: calls whose first argument is a page-text template
TEXT_CALLS = ("prose", "text")
_KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][\w.\[\]]*|\d+)(?::[^{}]*)?\}(?!\})")


@dataclass
class Message:
    """One English text and where it was found (``file:line`` strings)."""

    text: str
    places: list[str] = field(default_factory=list)


def _library_root() -> Path:
    return Path(i18n.__file__).resolve().parent


def _marked(tree) -> list[tuple[str, int]]:
    """``(text, line)`` of every ``_("...")``, ``N_``, ``gettext`` and ``ngettext`` call with
    constant texts in a module's syntax tree, f-strings' insides included (a tokenizer-based
    extractor does not see calls inside an f-string's braces)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in _KEYWORDS and node.args:
            count = 2 if node.func.id == "ngettext" else 1
            for arg in node.args[:count]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((arg.value, arg.lineno))
    return sorted(found, key=lambda item: item[1])


def library_messages() -> dict[str, dict[str, Message]]:
    """Catalog name -> {text: Message} for every marked string of the library."""
    root = _library_root()
    domains: dict[str, dict[str, Message]] = {}
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(root)
        name = ".".join(rel.with_suffix("").parts)
        found: dict[str, Message] = {}
        for text, lineno in _marked(ast.parse(path.read_bytes(), filename=str(path))):
            if text.strip():
                key = i18n._normal(text)
                found.setdefault(key, Message(key)).places.append(f"forecast/{rel}:{lineno}")
        if found:
            domains[name] = found
    return domains


def _strings(node) -> tuple[list[str], list[str]]:
    """Constant strings in ``node`` (branches of ``a if c else b`` too), and f-string
    excerpts that cannot be catalogued."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value], []
    if isinstance(node, ast.IfExp):
        a, fa = _strings(node.body)
        b, fb = _strings(node.orelse)
        return a + b, fa + fb
    if isinstance(node, ast.JoinedStr):
        return [], [ast.unparse(node)[:70]]
    return [], []


def notebook_messages(path: str | Path) -> tuple[dict[str, Message], list[str]]:
    """{text: Message} of one notebook, and its untranslatable f-strings (``file:cell``)."""
    path = Path(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    found: dict[str, Message] = {}
    problems: list[str] = []

    def add(text: str, place: str) -> None:
        key = i18n._normal(text)
        if key and re.search(r"[A-Za-z]", key):
            found.setdefault(key, Message(key)).places.append(place)

    for number, cell in enumerate(nb.get("cells", []), 1):
        source = "".join(cell.get("source", []))
        place = f"notebooks/{path.name}:cell {number}"
        if cell.get("cell_type") == "markdown":
            for translatable, block in i18n.markdown_blocks(source):
                if translatable:
                    add(block, place)
            continue
        if cell.get("cell_type") != "code" or "parameters" in cell.get("metadata", {}).get(
                "tags", []):
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # the notebook style test names it
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            values = []
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in TEXT_CALLS and node.args:
                values.append(node.args[0])
            values += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
            for value in values:
                texts, fstrings = _strings(value)
                for text in texts:
                    add(text, f"{place}, line {getattr(value, 'lineno', 0)}")
                problems += [f"{place}, line {getattr(value, 'lineno', 0)}: f-string {f} "
                             "cannot be translated; use present.text(template, **values)"
                             for f in fstrings]
    return found, problems


def term_messages() -> dict[str, dict[str, Message]]:
    """Catalog name -> {text: Message} of the term lists (``locale/terms/*.txt``)."""
    domains: dict[str, dict[str, Message]] = {}
    for path in sorted((i18n.catalog_dir() / "terms").glob("*.txt")):
        found: dict[str, Message] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = line.strip()
            if text and not text.startswith("#"):
                found.setdefault(text, Message(text)).places.append(
                    f"forecast/locale/terms/{path.name}:{number}")
        if found:
            domains[f"terms.{path.stem}"] = found
    return domains


def extract(root: str | Path) -> tuple[dict[str, dict[str, Message]], list[str]]:
    """Every catalog's messages (library, term lists and the project's notebooks) and the
    problems."""
    domains = {**library_messages(), **term_messages()}
    problems: list[str] = []
    for path in sorted((Path(root) / "notebooks").glob("*.ipynb")):
        found, bad = notebook_messages(path)
        problems += bad
        if found:
            domains[f"notebooks.{path.stem}"] = found
    return domains, problems


def po_path(domain: str, lang: str = "zh") -> Path:
    """Where the catalog ``domain`` of ``lang`` lives."""
    return i18n.catalog_dir() / lang / "LC_MESSAGES" / f"{domain}.po"


def _read(path: Path):
    from babel.messages.pofile import read_po

    if not path.is_file():
        return None
    with open(path, "rb") as handle:
        return read_po(handle)


def update(root: str | Path, lang: str = "zh", only: tuple[str, ...] = ()) -> list[Path]:
    """Rewrite ``lang``'s catalogs from the sources; returns the files written or removed.

    Kept: every translation whose English text is still used.  Added: new texts, empty.
    Dropped: texts no longer in the sources, and catalogs of modules with no text.
    ``only``: catalog names (or prefixes such as ``"notebooks.01"``) to rewrite; default all.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    i18n.check_language(lang)
    domains, _problems = extract(root)
    folder = i18n.catalog_dir() / lang / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for domain, messages in sorted(domains.items()):
        if only and not domain.startswith(tuple(only)):
            continue
        path = po_path(domain, lang)
        old = _read(path)
        catalog = Catalog(locale=LOCALE_TAGS.get(lang, lang), domain=domain,
                          project="compute-forecast", fuzzy=False)
        for text, message in messages.items():
            before = old.get(text) if old is not None else None
            catalog.add(text, before.string if before is not None else "",
                        locations=[(p, None) for p in message.places[:3]],
                        flags=("python-brace-format",) if _PLACEHOLDER.search(text) else ())
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=0, omit_header=False, no_location=False,
                 sort_output=False)
        data = re.sub(rb'"POT-Creation-Date: [^"]*"\n', b"", buffer.getvalue())
        data = re.sub(rb'"PO-Revision-Date: [^"]*"\n', b"", data)
        data = re.sub(rb":None\b", b"", data)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            changed.append(path)
    for path in folder.glob("*.po"):
        if path.stem not in domains and (not only or path.stem.startswith(tuple(only))):
            path.unlink()
            changed.append(path)
    return changed


def _placeholders(text: str) -> set[str]:
    return {m.group(1) for m in _PLACEHOLDER.finditer(text)}


def check(root: str | Path, lang: str = "zh") -> list[str]:
    """Problems with ``lang``'s catalogs, one line each (empty: every text is translated)."""
    i18n.check_language(lang)
    domains, problems = extract(root)
    seen: dict[str, dict[str, list[str]]] = {}  # text -> translation -> catalogs
    for domain, messages in sorted(domains.items()):
        path = po_path(domain, lang)
        catalog = _read(path)
        if catalog is None:
            problems.append(f"{path.name}: missing ({len(messages)} texts to translate); "
                            "run compute-forecast catalog --update")
            continue
        for text, message in messages.items():
            entry = catalog.get(text)
            where = f"{path.name} ({message.places[0]})"
            if entry is None:
                problems.append(f"{where}: not in the catalog: {text[:60]!r}; run "
                                "compute-forecast catalog --update")
            elif not entry.string:
                problems.append(f"{where}: no translation of {text[:60]!r}")
            elif entry.fuzzy:
                problems.append(f"{where}: fuzzy translation of {text[:60]!r}")
            elif _placeholders(text) != _placeholders(entry.string):
                problems.append(f"{where}: placeholders {sorted(_placeholders(text))} of "
                                f"{text[:40]!r} differ in the translation "
                                f"({sorted(_placeholders(entry.string))})")
        for entry in catalog:
            if entry.id and entry.string and not entry.fuzzy:
                seen.setdefault(str(entry.id), {}).setdefault(str(entry.string), []).append(
                    path.name)
        extra = [m.id for m in catalog if m.id and m.id not in messages]
        if extra:
            problems.append(f"{path.name}: {len(extra)} texts no longer in the sources "
                            f"(first {extra[0][:50]!r}); run compute-forecast catalog --update")
    # the pages read all catalogs as one: a text translated two ways would show either
    for text, strings in seen.items():
        if len(strings) > 1:
            ways = "; ".join(f"{s!r} in {', '.join(c)}" for s, c in strings.items())
            problems.append(f"{text[:50]!r} has {len(strings)} translations: {ways}")
    return problems


def untranslated(domain: str, lang: str = "zh") -> list[str]:
    """English texts of the catalog ``domain`` that have no translation yet, in file order."""
    catalog = _read(po_path(domain, lang))
    if catalog is None:
        return []
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]


def translate(domain: str, translations: dict[str, str], lang: str = "zh") -> int:
    """Set translations in the catalog ``domain`` (English text -> translation); returns how
    many were set.  A text the catalog lacks raises KeyError naming it (run :func:`update`)."""
    from babel.messages.pofile import write_po

    path = po_path(domain, lang)
    catalog = _read(path)
    if catalog is None:
        raise KeyError(f"no catalog {path}; run compute-forecast catalog --update")
    for text, string in translations.items():
        entry = catalog.get(i18n._normal(text))
        if entry is None:
            raise KeyError(f"{path.name}: not in the catalog: {text[:60]!r}")
        entry.string, entry.flags = string, set(entry.flags) - {"fuzzy"}
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=False)
    data = re.sub(rb'"POT-Creation-Date: [^"]*"\n', b"", buffer.getvalue())
    path.write_bytes(re.sub(rb'"PO-Revision-Date: [^"]*"\n', b"", data))
    return len(translations)
