"""Writing a scenario back to a file the scenario loader reads, with where it came from.

:func:`write_scenario` turns a :class:`~forecast.scenarios.Scenario` (for
example the one the explorer's controls describe) into
``<directory>/<name>.yaml`` in the scenario format.  The document is checked
by :func:`forecast.scenarios.spec.parse_scenario` before anything is written, the
file is written atomically, and comments at its top record when it was saved,
which scenario it started from and any notes (what changed).  An existing file
is kept unless ``overwrite=True``.  ``name`` is a name, never a path.

Numbers are written exactly: growth bounds and the correlation as YAML floats
(``repr``), caps as ``"<repr> FLOP/s"``, so the saved scenario loads back to
the same floats.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

from forecast.errors import ParameterError

#: Names a saved scenario may have: lower-case letters, digits, ``_`` and ``-``, starting
#: with a letter; a subset of :data:`forecast.scenarios.spec.NAME` (a file stem the loader
#: and ``--scenario`` accept, never a path) that is the same on case-insensitive file systems.
NAME = re.compile(r"[a-z][a-z0-9_-]{0,59}")


def flops_text(value: float) -> str:
    """Exact text for a FLOP/s value that :func:`forecast.units.to_flops` reads back."""
    return f"{float(value)!r} FLOP/s"


def to_document(spec, name: str, *, label: str = "", description: str = "") -> dict:
    """The scenario as the YAML document the loader reads (keys in the documented order)."""
    from forecast.scenarios.spec import FORMAT

    components = {}
    for comp_name, comp in spec.components.items():
        entry = {"label": comp.label} if comp.label else {}
        entry["precision"] = comp.precision
        if comp.sum_of:
            entry["sum_of"] = list(comp.sum_of)
        else:
            where = {k: list(v) if isinstance(v, tuple) else v for k, v in comp.base.where.items()}
            entry["base"] = {"dataset": comp.base.dataset, "where": where}
            if comp.base.year is not None:
                entry["base"]["year"] = comp.base.year
            g = comp.growth
            entry["growth"] = ({"fit": g.fit, "per": g.per} if g.fit else
                               {"low": float(g.low), "high": float(g.high), "per": g.per})
            entry["cap"] = None if comp.cap is None else flops_text(comp.cap)
        components[comp_name] = entry
    doc = {"format": FORMAT, "name": name}
    if label:
        doc["label"] = label
    if description:
        doc["description"] = description
    doc.update({"end_year": int(spec.end_year), "correlation": float(spec.correlation),
                "components": components})
    return doc


def write_scenario(spec, name: str, *, directory=None, started_from=None, notes=(),
                   label: str = "", description: str = "", overwrite: bool = False) -> Path:
    """Write ``spec`` to ``<directory>/<name>.yaml`` (default ``notebooks/params/``); return it.

    ``started_from`` (a Scenario) and ``notes`` (lines of text) go into the
    comments at the top, with the UTC time of saving.

    Raises
    ------
    ParameterError
        ``name`` is not a plain name (nothing is written); a file of that name
        exists and ``overwrite`` is false (it is left as it was); or the
        scenario does not pass the loader's checks.
    """
    import yaml

    from forecast import __version__
    from forecast.scenarios import spec as fmt
    from forecast.files import atomic_write_text

    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ParameterError("a scenario name is a plain name, not a path", name="name",
                             expected="lower-case letters, digits, '_' or '-', starting with "
                                      "a letter, at most 60 characters", value=name)
    path = fmt.params_dir(directory) / f"{name}.yaml"
    if path.exists() and not overwrite:
        raise ParameterError("a scenario file with this name exists", name="name", source=path,
                             expected="a new name, or overwrite=True", value=name)
    body = yaml.safe_dump(to_document(spec, name, label=label, description=description),
                          sort_keys=False, allow_unicode=True, width=95)
    # the loader's checks run on the document before anything is written
    fmt.parse_scenario(yaml.safe_load(body), source=str(path), name=name)
    saved = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    lines = [f"compute-forecast scenario file: {name}",
             f"saved: {saved} (compute-forecast {__version__})"]
    if started_from is not None:
        lines.append(f"started from: {started_from.name} ({started_from.source})")
    lines += [*notes, "",
              "THE NUMBERS BELOW ARE ASSUMPTIONS, NOT DATA.  The format is documented at the top",
              "of notebooks/params/base.yaml and in the README (Scenarios)."]
    header = "".join(f"# {line}".rstrip() + "\n" for line in lines)
    atomic_write_text(path, header + body)
    fmt.load_scenario(Path(path))
    return path
