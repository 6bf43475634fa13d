"""Saving a notebook's results: tables as CSV, figures as PNG and SVG, each written atomically.

Public I/O for notebooks and scripts::

    from forecast import io
    out = io.output_dir(output_dir)                 # the folder this run writes to
    io.save_table(df, "projection", out)            # <out>/tables/projection.csv
    io.save_figure(fig, "fan_total", out)           # <out>/figures/fan_total.png + .svg

Both return None (so nothing is printed into a notebook page) and write atomically
(:mod:`forecast.files`): an interrupted run leaves either the old file or the new one.
PNG figures are drawn at :data:`DPI` dots per inch; SVG is resolution-free.

Where outputs go, and the paths of named tables and figures, is :mod:`forecast.paths`;
:func:`output_dir` is re-exported here as a convenience, so a notebook needs only ``io``.
Names are names: ``save_table(df, "../x")`` is refused with a ParameterError.
"""

from __future__ import annotations

import os

from forecast import files, paths
from forecast.paths import FIGURE_FORMATS

#: resolution of saved PNG figures (dots per inch); SVG is resolution-free
DPI = 150
#: :func:`forecast.paths.output_dir`, re-exported as a convenience: notebooks write
#: ``out = io.output_dir(output_dir)`` and need no other module
output_dir = paths.output_dir


def save_table(df, name: str, output_dir: str | os.PathLike | None = None, *,
               index: bool = False) -> None:
    """Save a DataFrame as ``<output_dir>/tables/<name>.csv`` atomically (``\\n`` line ends).

    ``name`` is given without the ``.csv`` suffix (one is tolerated).  Returns None;
    :func:`forecast.paths.table_path` gives the path.
    """
    files.atomic_write_text(paths.table_path(name, output_dir),
                            df.to_csv(index=index, lineterminator="\n"))


def render_figure(fig, formats=FIGURE_FORMATS, dpi: float = DPI) -> dict[str, bytes]:
    """The figure's bytes in each of ``formats`` (``"png"``, ``"svg"``, ...), from one layout.

    What ``fig.savefig(..., dpi=dpi, bbox_inches="tight")`` does for each format, with the
    expensive part done once: the layout engine (constrained or tight) runs and the tight
    bounding box is measured once, at ``dpi`` with the PNG renderer; every format is then drawn
    with that layout and that box.  The PNG is byte for byte what ``savefig`` writes; the SVG
    shares the PNG's layout exactly (``savefig`` would lay it out again with the SVG
    renderer's slightly different text metrics) and carries no date, so an unchanged chart
    gives identical files.  The figure's dpi and layout engine are restored afterwards, so a
    later change to it is laid out again.

    Returns ``{format: bytes}`` in the order of ``formats``.
    """
    import io as _bytes_io

    import matplotlib as mpl

    engine, original_dpi = fig.get_layout_engine(), fig.dpi
    try:
        fig.dpi = dpi
        if engine is not None:  # what savefig's first (invisible) draw is for
            engine.execute(fig)
        box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(
            mpl.rcParams["savefig.pad_inches"])
        fig.set_layout_engine(None)  # keep this layout: no engine, no second layout pass
        images = {}
        for fmt in formats:
            buffer = _bytes_io.BytesIO()
            # no date and fixed ids in SVG, so an unchanged chart gives identical bytes
            with mpl.rc_context({"svg.hashsalt": "compute-forecast"}):
                fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches=box,
                            **({"metadata": {"Date": None}} if fmt == "svg" else {}))
            images[fmt] = buffer.getvalue()
    finally:
        fig.set_layout_engine(engine)
        fig.dpi = original_dpi
    return images


def write_figure(images: dict[str, bytes], name: str,
                 output_dir: str | os.PathLike | None = None) -> None:
    """Write :func:`render_figure`'s PNG and SVG bytes as ``<output_dir>/figures/<name>.*``."""
    for path in paths.figure_paths(name, output_dir):
        files.atomic_write_bytes(path, images[path.suffix[1:]])


def save_figure(fig, name: str, output_dir: str | os.PathLike | None = None) -> None:
    """Write a matplotlib figure to ``<output_dir>/figures/<name>.png`` and ``.svg`` atomically.

    PNG at :data:`DPI` dots per inch, both with a tight bounding box and one layout
    (:func:`render_figure`).  Both images are rendered before either is written.  Returns
    None; :func:`forecast.paths.figure_paths` gives the paths.  :func:`forecast.present.figure` with
    ``save_as=`` saves and shows a chart from one rendering.
    """
    targets = paths.figure_paths(name, output_dir)  # a bad name fails before any drawing
    write_figure(render_figure(fig, tuple(p.suffix[1:] for p in targets)), name, output_dir)
