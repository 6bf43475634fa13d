"""forecast.paths (project discovery, where outputs go, names), forecast.files (atomic writes)
and forecast.io (saving tables and figures)."""

import os

import pandas as pd
import pytest

from forecast import files, io, paths
from forecast.errors import DataError, ParameterError
from forecast.files import atomic_write_text
from forecast.io import save_table
from forecast.paths import project_root


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


def test_save_table_round_trip_returns_none(tmp_path):
    df = pd.DataFrame({"year": [2021, 2030], "flops": [6.15e20, 5.6e22]})
    assert save_table(df, "projection", tmp_path) is None
    path = paths.table_path("projection", tmp_path)
    assert path == tmp_path / "tables" / "projection.csv"
    assert paths.table_path("projection.csv", tmp_path) == path
    pd.testing.assert_frame_equal(pd.read_csv(path), df)
    assert path.read_bytes().count(b"\r") == 0


def test_save_figure_writes_png_and_svg(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([2021, 2030], [1, 2])
    assert io.save_figure(fig, "line", tmp_path) is None
    plt.close(fig)
    png, svg = paths.figure_paths("line", tmp_path)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:400]
    assert sorted(os.listdir(tmp_path / "figures")) == ["line.png", "line.svg"]


def test_outside_the_runner_none_means_the_scratch_folder(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(paths.RUNNER_ENV, raising=False)
    assert paths.output_dir() == tmp_path / "outputs" / "scratch"
    assert paths.output_dir(tmp_path / "x") == tmp_path / "x"
    assert io.output_dir is paths.output_dir  # the notebooks' io.output_dir(output_dir)


def test_inside_the_runner_none_means_the_folder_the_runner_set(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.RUNNER_ENV, str(tmp_path / "staging"))
    assert paths.output_dir() == tmp_path / "staging"
    assert paths.table_path("t") == tmp_path / "staging" / "tables" / "t.csv"


@pytest.mark.parametrize("name", ["../x", "a/b", "/etc/passwd", "", ".hidden", "a" * 200,
                                  "x..y", "tab\tname", None])
def test_names_are_names_not_paths(tmp_path, name):
    with pytest.raises(ParameterError, match="plain name"):
        paths.table_path(name, tmp_path)
    with pytest.raises(ParameterError, match="plain name"):
        paths.figure_paths(name, tmp_path)
    assert not any(tmp_path.iterdir())


def test_long_bad_name_is_quoted_short(tmp_path):
    with pytest.raises(ParameterError) as err:
        paths.table_path("/" * 10_000, tmp_path)
    assert len(str(err.value)) < 300


def test_io_holds_saving_only_and_the_names_moved_out_are_not_aliased():
    moved = {"project_root": paths, "table_path": paths, "figure_paths": paths,
             "check_name": paths, "RUNNER_ENV": paths, "SCRATCH": paths,
             "atomic_write_bytes": files, "atomic_write_text": files, "refuse_symlinks": files}
    assert [name for name in moved if hasattr(io, name)] == []
    assert all(hasattr(module, name) for name, module in moved.items())


def test_the_private_module_is_gone():
    import importlib.util

    assert importlib.util.find_spec("forecast._io") is None


def _house_chart():
    """A chart laid out by the constrained engine, with a legend outside: the costly kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(6, 3), dpi=100, layout="constrained")
    for ax in axes:
        ax.plot([2021, 2030], [6.15e20, 5.6e22], label="a long legend label")
        ax.set_yscale("log")
        ax.set_title("panel")
        ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    return fig


def test_render_figure_png_is_what_savefig_writes_and_the_figure_is_left_as_it_was():
    import io as bytes_io

    import matplotlib.pyplot as plt

    fig = _house_chart()
    engine = fig.get_layout_engine()
    buffer = bytes_io.BytesIO()
    fig.savefig(buffer, format="png", dpi=io.DPI, bbox_inches="tight")
    images = io.render_figure(fig)
    assert list(images) == ["png", "svg"]
    # one layout for every format, and the PNG byte for byte what savefig gives
    assert images["png"] == buffer.getvalue()
    assert fig.dpi == 100 and fig.get_layout_engine() is engine
    # a later change is laid out again: a wider title makes a wider image
    fig.axes[1].set_title("a much longer panel title " * 3)
    again = io.render_figure(fig, ("png",))["png"]
    assert _png_width(again) > _png_width(images["png"])
    plt.close(fig)


def test_svg_of_an_unchanged_chart_is_identical_bytes():
    import matplotlib.pyplot as plt

    first = io.render_figure(_house_chart(), ("svg",))["svg"]
    second = io.render_figure(_house_chart(), ("svg",))["svg"]
    plt.close("all")
    assert first == second and b"<dc:date>" not in first


def _png_width(png: bytes) -> int:
    # IHDR: width is the big-endian uint32 at byte 16
    return int.from_bytes(png[16:20], "big")
