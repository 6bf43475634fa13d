"""forecast._io: project discovery and atomic writes."""

import os

import pandas as pd
import pytest

from forecast._io import atomic_write_text, project_root, save_table
from forecast.errors import DataError


def test_project_root_walks_up_to_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    deep = tmp_path / "notebooks" / "sub"
    deep.mkdir(parents=True)
    assert project_root(deep) == tmp_path


def test_project_root_outside_a_project(tmp_path):
    with pytest.raises(DataError, match="no compute-forecast project found"):
        project_root(tmp_path)


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a" / "b.txt"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert os.listdir(target.parent) == ["b.txt"]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "t.txt"
    atomic_write_text(target, "good")

    def broken_replace(src, dst):
        raise KeyboardInterrupt  # as if Ctrl-C arrived at the worst moment

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "half")
    assert target.read_text() == "good"
    assert os.listdir(tmp_path) == ["t.txt"]


def test_save_table_round_trip(tmp_path):
    df = pd.DataFrame({"year": [2021, 2030], "flops": [6.15e20, 5.6e22]})
    path = save_table(df, "projection", tmp_path)
    assert path == tmp_path / "tables" / "projection.csv"
    pd.testing.assert_frame_equal(pd.read_csv(path), df)
