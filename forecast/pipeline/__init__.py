"""Pipeline layer: running the notebooks, caching, staging and publishing their outputs.

``runplan`` (which notebooks, with which parameters), ``params`` (the ``parameters`` cell),
``runcache`` (what is up to date), ``staging`` (transactional promotion into ``outputs/``),
``engine`` and ``kernels`` (executing a notebook), ``runner`` (a whole run), ``progress``
(the terminal display), ``site/`` (the HTML pages and the index) and ``sweep/`` (parameter
sweeps). The top of the house: it may import every other layer; none imports it.
"""
