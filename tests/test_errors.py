"""forecast.errors: every error's message names what the user must fix."""

import pytest

from forecast.errors import (ConvergenceError, DataError, ForecastError, NotebookExecutionError,
                             ParameterError, UnitError, UnknownModelError, UnknownNameError,
                             UsageError)


def test_data_error_names_file_line_column_expectation_and_value():
    err = DataError("not a positive number", path="data/x.csv", line=7, column="value",
                    expected="a number > 0", value="-3")
    assert str(err) == ("data/x.csv, line 7, column 'value': not a positive number; "
                        "expected a number > 0, got '-3'")
    assert (err.path, err.line, err.column) == ("data/x.csv", 7, "value")
    assert isinstance(err, ValueError) and isinstance(err, ForecastError)


def test_data_error_without_location():
    assert str(DataError("series is empty")) == "series is empty"


def test_parameter_error():
    err = ParameterError("unknown parameter", name="end_yr", source="--param",
                         expected="one of end_year, start_year")
    assert str(err) == "--param, parameter 'end_yr': unknown parameter; expected one of end_year, start_year"


def test_unknown_model_lists_valid_names_sorted():
    err = UnknownModelError("logistc", ["logistic", "cagr"])
    assert str(err) == "unknown model 'logistc'; valid: cagr, logistic"
    assert isinstance(err, LookupError) and err.valid == ["cagr", "logistic"]
    assert str(UnknownNameError("x", ["a"], kind="accelerator")) == "unknown accelerator 'x'; valid: a"
    assert str(UnknownNameError("bull", [], kind="scenario")) == "unknown scenario 'bull'; valid: (none)"


def test_convergence_error_numbers_its_hints():
    err = ConvergenceError("logistic", "maximum evaluations reached", ["fix the cap", "give start values"])
    assert str(err) == ("logistic fit did not converge: maximum evaluations reached. "
                        "Try: 1. fix the cap; 2. give start values")


def test_notebook_execution_error():
    err = NotebookExecutionError("01.ipynb", cell="In [3]", ename="ValueError", evalue="bad",
                                 traceback="Traceback ...")
    assert str(err) == "01.ipynb: ValueError: bad (In [3])"
    assert err.message == "ValueError: bad (In [3])"
    assert (err.ename, err.evalue, err.cell, err.traceback) == ("ValueError", "bad", "In [3]",
                                                                "Traceback ...")
    assert isinstance(err, RuntimeError) and isinstance(err, ForecastError)


@pytest.mark.parametrize("value, shown", [
    ("x" * 10_000, "'" + "x" * 76 + "..."),
    (list(range(100_000)), "<list of 100000 items>"),
    ("short", "'short'"),
])
def test_bad_values_are_quoted_as_a_short_excerpt(value, shown):
    for err in (DataError("bad", value=value), ParameterError("bad", name="p", value=value)):
        assert str(err).endswith("got " + shown)
        assert len(str(err)) < 200
    assert len(str(UnknownNameError("y" * 5000, ["a"]))) < 200


@pytest.mark.parametrize("cls, builtin", [(UnitError, TypeError), (UsageError, ValueError),
                                          (ConvergenceError, RuntimeError)])
def test_errors_refine_builtins(cls, builtin):
    assert issubclass(cls, builtin) and issubclass(cls, ForecastError)
