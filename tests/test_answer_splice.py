"""A spliced series names its publishers on the chart (issue 21), in text any font can draw."""

from _project import SHIPPED

from forecast import data
from forecast.analysis import answer, totals


def test_the_global_total_names_its_two_publishers_by_years():
    y = totals.total_series(data.load("global_compute", SHIPPED / "data"))
    text = answer.splice(y)
    assert text == "CAICT 2020-2022 + CCIA Data Center Committee 2023"
    assert text.isascii()  # no original-language name: a chart title's font draws it
