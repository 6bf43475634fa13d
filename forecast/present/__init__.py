"""Presentation layer: what a reader sees, and nothing that computes a result.

* ``reader`` tables, prose and captioned figures for a page (re-exported here:
  :func:`table`, :func:`prose`, :func:`figure` and the number formats);
* ``style`` the one chart style (colours, FLOP/s axes, legends outside the data);
* ``plots`` and ``evidence_plots`` the charts, each ``f(..., ax=None) -> Figure``;
* ``evidence_views`` notebook 05's figures and tables;
* ``explore`` the scenario explorer's widgets.

>>> from forecast import present
>>> present.format_value(1.397e21, "flops")
'1.4 ZFLOPS'
"""

from forecast._lazy import exports

__getattr__, __dir__ = exports(__name__, dict.fromkeys(
    ["table", "prose", "text", "figure", "figure_data", "ReaderTable", "Prose", "ReaderFigure",
     "KINDS", "format_value", "format_sig", "format_flops_sig", "format_probability",
     "MISSING_TEXT", "column_kind"], ".reader"), globals())
