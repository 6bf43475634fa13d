"""Scenarios: what-if files, their Monte Carlo simulation, and writing them back.

* ``spec`` the scenario file format (``notebooks/params/*.yaml``), read and checked;
* ``montecarlo`` the simulation: :func:`simulate` returns a :class:`Simulation` of growth paths;
* ``writer`` writes a scenario file (the explorer's "save");
* ``comparison`` every scenario side by side (:func:`simulate_all`, :class:`Comparison`), for
  notebook 03 and the site's scenario pages.

>>> from forecast import scenarios
>>> sim = scenarios.simulate("base", n_paths=200, seed=1, end_year=2030)
>>> sim.n_paths
200
"""

from forecast._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "FORMAT": ".spec",
    "Scenario": ".spec",
    "Component": ".spec",
    "Growth": ".spec",
    "BaseSource": ".spec",
    "available_scenarios": ".spec",
    "load_scenario": ".spec",
    "parse_scenario": ".spec",
    "params_dir": ".spec",
    "simulate": ".montecarlo",
    "Simulation": ".montecarlo",
    "resolve": ".montecarlo",
    "evidence": ".montecarlo",
    "published": ".montecarlo",
    "mc_error": ".montecarlo",
    "PERCENTILES": ".montecarlo",
    "write_scenario": ".writer",
    "simulate_all": ".comparison",
    "Comparison": ".comparison",
}, globals())
