"""A forecast series keeps its identity when the data move: no figure in a model's name (issue 23).

Notebook 05's headline rows used to be named after their path's figures ("1.4 ZFLOPS (2023) at
47.0%/yr"), so one new data point started a new series in the forecast history.
"""

import re
import shutil

import pytest

from _project import SHIPPED

from forecast.analysis import evidence, totals

pytestmark = pytest.mark.slow  # a small skill evaluation (about 3 s)


@pytest.fixture(scope="module")
def quantiles():
    top = evidence.top500_section(SHIPPED / "data")
    return evidence.skill_section(top.lists, ["cagr", "naive"], max_horizon=10,
                                  workers=1).quantiles


def test_the_models_names_survive_a_data_edit(tmp_path, quantiles):
    data = shutil.copytree(SHIPPED / "data", tmp_path / "data")
    before = evidence.back_to_2030(quantiles, data).headline
    path = data / "global_compute.csv"
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r"^(global,total,2023,year,)1397,", r"\g<1>2000,", text, flags=re.M)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    after = evidence.back_to_2030(quantiles, data).headline
    assert list(after["model"]) == list(before["model"])          # the same three series
    assert not after["median"].equals(before["median"])            # whose figures moved
    assert not any(re.search(r"\d", m.split(": ", 1)[1]) for m in after["model"])  # no figure
    assert [m.split(": ")[1] for m in after["model"]] == list(totals.PATH_ROLES)
