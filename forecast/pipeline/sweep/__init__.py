"""Parameter sweeps: one notebook run per point of a grid, cached and transactional.

``grid`` reads grid files and samples points, ``executors`` runs points locally or on Dask,
``driver`` plans, executes and gathers a sweep (re-exported here: :func:`run`, :func:`plan`,
:func:`execute`), ``page`` renders its HTML page.
"""

from forecast._lazy import exports

__getattr__, __dir__ = exports(__name__, dict.fromkeys(
    ["run", "plan", "execute", "gather", "SweepReport"], ".driver"), globals())
