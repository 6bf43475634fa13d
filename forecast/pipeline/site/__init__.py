"""The site a run publishes: notebook pages, the index with its key figures, the scenario pages.

``pages`` renders a notebook into a self-contained page and writes the indexes, ``sections``
builds the index's sections (forecast history, scenario comparison), ``keyfigures`` computes
the key figures from a run's tables.
"""
