"""Lazy re-exports for the package facades, so that importing a package costs nothing.

A facade (``forecast``, ``forecast.data``, ``forecast.present``, ...) names what it offers and
the module that defines each name; the module is imported on first access (PEP 562), and the
value is cached in the package namespace, so the second access is a plain lookup.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def exports(package: str, names: Mapping[str, str], namespace: dict
            ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, re-exporting ``names``.

    Parameters
    ----------
    package : the facade's ``__name__``.
    names : public name -> module defining it (absolute, or relative to ``package`` when it
        starts with a dot).
    namespace : the facade's ``globals()``, where values are cached.
    """
    def __getattr__(name: str):
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(names) | {k for k in namespace if not k.startswith("_")})

    return __getattr__, __dir__
