"""forecast.analysis.skill_cache: the skill table read back equals the computed one to the bit;
the key changes with the data, the parameters and the code, and nothing else; a bad file is
ignored; under the runner the cache sits in the output folder's .cache/."""
import numpy as np
import pandas as pd
import pytest

from forecast import paths
from forecast.analysis import evidence, skill, skill_cache
from forecast.pipeline import staging

ARGS = {"initial": 12, "horizons": [1, 2], "steps_per_year": 2}
MODELS = ["cagr", "naive", "logistic"]  # logistic fails on a pure exponential: error rows


def _series(scale: float = 1.0) -> dict[str, pd.Series]:
    t = np.arange(24)
    labels = [f"{1993 + k // 2}-{'06' if k % 2 == 0 else '11'}" for k in t]
    growth = pd.Series(scale * 1e12 * np.exp(0.35 * t / 2) * (1 + 0.03 * np.sin(t)),
                       index=pd.Index(labels), name="sum_rmax")
    steady = pd.Series(5e10 * np.exp(0.2 * t / 2) * (1 + 0.05 * np.cos(t)),
                       index=pd.Index(labels), name="no500_rmax")
    return {"sum of the 500": growth, "#500": steady}


@pytest.fixture
def no_compute(monkeypatch):
    """Make any computation fail: what runs afterwards must come from the cache."""
    def refuse(*args, **kwargs):
        raise AssertionError("skill.run_many was called; the cache was expected to answer")
    monkeypatch.setattr(skill, "run_many", refuse)


def test_table_read_back_is_identical_to_the_computed_one(tmp_path, monkeypatch):
    fresh = skill.run_many(_series(), MODELS, **ARGS)
    first = skill_cache.run_many(_series(), MODELS, cache_dir=tmp_path, **ARGS)
    assert len(list(tmp_path.glob("skill-*.npz"))) == 1
    monkeypatch.setattr(skill, "run_many", lambda *a, **k: pytest.fail("not cached"))
    again = skill_cache.run_many(_series(), MODELS, cache_dir=tmp_path, **ARGS)
    # the test data cover every kind of column: ints, floats with NaN, text, NA in "string"
    assert again["error"].notna().any() and again["error"].isna().any()
    assert again["forecast"].isna().any()
    for table in (first, again):
        pd.testing.assert_frame_equal(table, fresh, check_exact=True)
        assert list(table.dtypes.astype(str)) == list(fresh.dtypes.astype(str))
        assert table.attrs == fresh.attrs and table.attrs["levels"] == (0.8, 0.95)
        assert isinstance(table.index, pd.RangeIndex)
        # byte for byte downstream: the scores table and the raw table as CSV
        assert skill.score(table).to_csv() == skill.score(fresh).to_csv()
        assert table.to_csv(float_format="%.17g") == fresh.to_csv(float_format="%.17g")


def test_a_cached_table_is_not_computed_again(tmp_path, monkeypatch):
    skill_cache.run_many(_series(), ["cagr"], cache_dir=tmp_path, **ARGS)
    calls = []
    real = skill.run_many
    monkeypatch.setattr(skill, "run_many", lambda *a, **k: calls.append(1) or real(*a, **k))
    skill_cache.run_many(_series(), ["cagr"], cache_dir=tmp_path, **ARGS)
    assert calls == []
    # workers does not change the table, so it does not change the key either
    skill_cache.run_many(_series(), ["cagr"], cache_dir=tmp_path, workers=2, **ARGS)
    assert calls == []


@pytest.mark.parametrize("change", ["data", "label", "model", "initial", "horizons", "levels",
                                   "options", "code"])
def test_the_key_changes_with_every_input(change, monkeypatch):
    series, models, args = _series(), ["cagr"], dict(ARGS)
    base = skill_cache.key(series, models, **args)
    if change == "data":
        series["#500"].iloc[-1] *= 1 + 1e-15  # one bit of one value
    elif change == "label":
        series["#500"].index = series["#500"].index.str.replace("2004-11", "2004-12")
    elif change == "model":
        models = ["cagr", "naive"]
    elif change == "initial":
        args["initial"] = 13
    elif change == "horizons":
        args["horizons"] = [1, 2, 3]
    elif change == "levels":
        args["levels"] = (0.8, 0.9)
    elif change == "options":
        args["options"] = {"cagr": {"window": 10}}
    elif change == "code":
        monkeypatch.setattr(skill_cache, "_sources_digest", "another version of skill.py")
    assert skill_cache.key(series, models, **args) != base


def test_the_key_covers_the_sources_named_and_not_the_rest_of_the_library():
    digest = skill_cache.code_fingerprint()
    assert len(digest) == 64 and digest == skill_cache.code_fingerprint()
    package = skill_cache._PACKAGE
    for rel in skill_cache.SOURCES:
        assert (package / rel).exists(), rel
    # models/ is a folder: every model module is in the key
    assert (package / "models" / "curves.py").is_file()
    # a chart or the runner is not: their changes keep the table
    assert not any(rel.startswith(("present", "pipeline")) for rel in skill_cache.SOURCES)


def test_a_corrupt_or_foreign_file_is_ignored_and_replaced(tmp_path):
    table = skill_cache.run_many(_series(), ["cagr"], cache_dir=tmp_path, **ARGS)
    (path,) = tmp_path.glob("skill-*.npz")
    for garbage in (b"", b"not a zip", path.read_bytes()[:200]):
        path.write_bytes(garbage)
        again = skill_cache.run_many(_series(), ["cagr"], cache_dir=tmp_path, **ARGS)
        pd.testing.assert_frame_equal(again, table, check_exact=True)
        digest = skill_cache.key(_series(), ["cagr"], **ARGS)
        assert skill_cache.load(tmp_path, digest) is not None  # rewritten whole
    # a valid file of another key under this key's name (e.g. a truncated hash collision)
    other = skill_cache.key(_series(2.0), ["cagr"], **ARGS)
    skill_cache.store(tmp_path, other, skill.run_many(_series(2.0), ["cagr"], **ARGS))
    digest = skill_cache.key(_series(), ["cagr"], **ARGS)
    skill_cache._path(tmp_path, digest).write_bytes(skill_cache._path(tmp_path, other)
                                                    .read_bytes())
    assert skill_cache.load(tmp_path, digest) is None


def test_an_unwritable_cache_is_not_an_error(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("a file where the cache folder would go")
    table = skill_cache.run_many(_series(), ["cagr"], cache_dir=blocked, **ARGS)
    pd.testing.assert_frame_equal(table, skill.run_many(_series(), ["cagr"], **ARGS),
                                  check_exact=True)


def test_old_files_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(skill_cache, "KEEP", 2)
    for initial in (10, 11, 12):
        skill_cache.run_many(_series(), ["cagr"], cache_dir=tmp_path, initial=initial,
                             horizons=[1], steps_per_year=2)
    assert len(list(tmp_path.glob("skill-*.npz"))) == 2


def test_bad_arguments_still_get_skill_s_own_error(tmp_path):
    with pytest.raises(Exception) as caught:
        skill_cache.run_many({}, ["cagr"], cache_dir=tmp_path, **ARGS)
    with pytest.raises(type(caught.value), match=str(caught.value)[:30]):
        skill.run_many({}, ["cagr"], **ARGS)
    assert list(tmp_path.iterdir()) == []


def test_cache_folder_is_the_runs_output_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.RUNNER_ENV, raising=False)
    assert skill_cache.default_cache_dir() is None  # papermill, JupyterLab, tests
    assert skill_cache.STAGING == staging.STAGING
    stage = staging.stage_dir(tmp_path / "outputs", "05_long_run_evidence")
    monkeypatch.setenv(paths.RUNNER_ENV, str(stage))
    assert skill_cache.default_cache_dir() == tmp_path / "outputs" / ".cache"
    monkeypatch.setenv(paths.RUNNER_ENV, str(tmp_path / "elsewhere"))
    assert skill_cache.default_cache_dir() == tmp_path / "elsewhere" / ".cache"


def test_skill_section_reuses_the_table_under_the_runner(tmp_path, monkeypatch):
    lists = evidence.top500_section(None).lists
    stage = tmp_path / "outputs" / staging.STAGING / "05_long_run_evidence"
    monkeypatch.setenv(paths.RUNNER_ENV, str(stage))
    kwargs = {"initial": 60, "max_horizon": 1, "workers": 1}
    first = evidence.skill_section(lists, ["cagr", "naive"], **kwargs)
    assert len(list((tmp_path / "outputs" / ".cache").glob("skill-*.npz"))) == 1
    assert not stage.exists()  # nothing staged: the cache is not an output of the notebook
    monkeypatch.setattr(skill, "run_many", lambda *a, **k: pytest.fail("not cached"))
    again = evidence.skill_section(lists, ["cagr", "naive"], **kwargs)
    assert again.facts == first.facts
    assert again.scores.to_csv() == first.scores.to_csv()
    assert again.calibration.to_csv() == first.calibration.to_csv()


def test_scores_read_back_are_identical_and_keyed_by_the_table(tmp_path, monkeypatch):
    table = skill.run_many(_series(), MODELS, **ARGS)
    fresh = skill.score(table)
    first = skill_cache.score(table, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("score-*.npz"))) == 1
    real = skill.score
    monkeypatch.setattr(skill, "score", lambda *a, **k: pytest.fail("not cached"))
    again = skill_cache.score(table, cache_dir=tmp_path)
    for scores in (first, again):
        pd.testing.assert_frame_equal(scores, fresh, check_exact=True)
        assert scores.to_csv() == fresh.to_csv()
    # another table (one forecast changed by one bit) is scored again
    other = table.copy()
    other.loc[0, "forecast"] = np.nextafter(other.loc[0, "forecast"], np.inf)
    monkeypatch.setattr(skill, "score", real)
    skill_cache.score(other, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("score-*.npz"))) == 2
    # so is the same table scored by other columns
    by_model = skill_cache.score(table, ("model",), cache_dir=tmp_path)
    assert list(by_model["model"]) == sorted(MODELS)
