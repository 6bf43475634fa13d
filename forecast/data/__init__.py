"""Data layer: the shipped datasets with their provenance, the headline schema, the forecast history.

* ``datapackage`` loads and validates the tidy CSV files described by ``data/datapackage.json``
  (re-exported here: :func:`load`, :func:`datasets`, :func:`series`, :func:`partial_date`);
* ``provenance`` the provenance columns every row carries;
* ``headline`` the schema of the headline tables the notebooks write;
* ``history`` the forecast history a run appends to.

>>> from forecast import data
>>> data.load("global_compute").attrs["provenance"][0]["publisher"]
'CAICT'
"""

from forecast._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "load": ".datapackage",
    "datasets": ".datapackage",
    "series": ".datapackage",
    "partial_date": ".datapackage",
    "resolve_data_dir": ".datapackage",
    "DESCRIPTOR": ".datapackage",
}, globals())
