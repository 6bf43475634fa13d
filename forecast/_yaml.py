"""YAML for user files, bounded: no aliases, limited size and depth, no duplicate keys.

PyYAML's ``safe_load`` follows aliases, so a 500-byte file of nested aliases
("billion laughs") becomes a structure that expands to gigabytes as soon as
anything walks it (hashing the parameters, printing them).  Parameter and
scenario files never need aliases, so they are refused, as are keys given twice
(PyYAML silently keeps the last), nesting deeper than :data:`MAX_DEPTH` and files
larger than :data:`MAX_BYTES`.  Every refusal is one :class:`YAMLRefused` with the
line it is about; callers turn it into their own typed error.
"""

from __future__ import annotations

from pathlib import Path

import yaml

#: largest parameter or scenario file read, in bytes
MAX_BYTES = 256 * 1024
#: deepest nesting of mappings and lists
MAX_DEPTH = 20


class YAMLRefused(Exception):
    """The text is not acceptable YAML; ``line`` is 1-based (None when unknown)."""

    def __init__(self, problem: str, line: int | None = None):
        self.problem, self.line = problem, line
        super().__init__(f"line {line}: {problem}" if line else problem)


class _Loader(yaml.SafeLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise YAMLRefused("aliases (*name) are not allowed here", mark.line + 1)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YAMLRefused(f"nested more than {MAX_DEPTH} levels deep", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise YAMLRefused("a key must be a plain value, not a list or mapping",
                                  key_node.start_mark.line + 1) from None
            if duplicate:
                raise YAMLRefused(f"duplicate key {str(key)[:40]!r}",
                                  key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def loads(text: str):
    """Parse ``text`` (see the module docstring); raise YAMLRefused."""
    if len(text) > MAX_BYTES:
        raise YAMLRefused(f"larger than {MAX_BYTES // 1024} KiB")
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except YAMLRefused:
        raise
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise YAMLRefused(f"not valid YAML ({problem[:80]})",
                          mark.line + 1 if mark else None) from None
    except (ValueError, RecursionError, MemoryError) as err:  # e.g. an int of 5,000 digits
        raise YAMLRefused(f"a value cannot be read ({type(err).__name__}: "
                          f"{str(err)[:80]})") from None


def load_file(path: str | Path):
    """Read and parse a UTF-8 file; OSError and UnicodeDecodeError become YAMLRefused."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise YAMLRefused(f"larger than {MAX_BYTES // 1024} KiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YAMLRefused("file not found") from None
    except IsADirectoryError:
        raise YAMLRefused("is a folder, not a file") from None
    except UnicodeDecodeError as err:
        raise YAMLRefused(f"not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise YAMLRefused(f"cannot read ({err.strerror or err})") from None
    return loads(text)
