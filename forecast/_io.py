"""Deprecated alias of :mod:`forecast.io` (kept while notebooks still import it).

Use ``from forecast import io`` (``io.save_table``, ``io.save_figure``,
``io.output_dir``).  This module will be removed once no notebook imports it.
"""

from forecast.io import (  # noqa: F401  (re-exports)
    atomic_write_bytes,
    atomic_write_text,
    output_dir,
    project_root,
    save_table,
)
