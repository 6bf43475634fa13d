"""Shared fixtures: the project root and a papermill run of a real notebook."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run_notebook(tmp_path):
    """Execute ``notebooks/<stem>.ipynb`` with papermill into ``tmp_path``; return the output folder.

    ``data_dir`` (the project's data/) and ``output_dir`` (``tmp_path / "outputs"``) are
    injected; other keyword arguments are notebook parameters.  The notebook runs
    on the project kernel with ``notebooks/`` as its working directory, as the
    runner does, and the executed copy is kept at ``tmp_path / "<stem>.ipynb"``.
    """
    import papermill

    def run(stem: str, **parameters) -> Path:
        out = tmp_path / "outputs"
        papermill.execute_notebook(
            str(ROOT / "notebooks" / f"{stem}.ipynb"), str(tmp_path / f"{stem}.ipynb"),
            parameters={"data_dir": str(ROOT / "data"), "output_dir": str(out), **parameters},
            kernel_name="compute-forecast", cwd=str(ROOT / "notebooks"), progress_bar=False)
        return out

    return run
