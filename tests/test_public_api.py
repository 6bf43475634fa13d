"""The public surface: every exported name resolves, imports stay lazy (README and docs examples: test_docs.py)."""

import subprocess
import sys

import forecast



def test_every_exported_name_resolves():
    for name in forecast.__all__:
        assert getattr(forecast, name) is not None, name


def test_unknown_attribute_is_an_attribute_error():
    try:
        forecast.no_such_name
    except AttributeError as err:
        assert "no_such_name" in str(err)
    else:
        raise AssertionError("expected AttributeError")


def test_importing_forecast_does_not_import_the_heavy_stack():
    code = ("import sys, forecast; heavy = [m for m in ('pandas', 'matplotlib', 'statsmodels', "
            "'scipy', 'papermill') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_topic_is_a_module_of_the_package():
    import importlib.util

    for name, module in sorted(forecast.TOPICS.items()):
        assert importlib.util.find_spec(module) is not None, name
        assert getattr(forecast, name).__name__ == module
    assert forecast.top500.__name__ == "forecast.analysis.top500"
