"""forecast.units: parsing, formatting, precision safety."""

import math

import pytest

import forecast
from forecast.errors import ForecastError, UnitError
from forecast.units import PREFIXES, Quantity, flops_per_unit, format_flops, to_flops


@pytest.mark.parametrize("text", ["615 EFlops", "615 EFLOPS", "615 EFLOP/s", "615EFLOPS",
                                  "615 eflops", "615 exaflops", "6.15e20 FLOPS", "0.615 ZFLOPS"])
def test_to_flops_spellings(text):
    assert to_flops(text) == pytest.approx(6.15e20, rel=1e-12)


def test_to_flops_is_exported_and_exact_for_the_issue_example():
    assert forecast.to_flops("615 EFlops") == 6.15e20


def test_every_prefix_up_to_yotta_round_trips():
    for symbol, (name, factor) in PREFIXES.items():
        unit = f"{symbol}FLOPS"
        assert flops_per_unit(unit) == factor
        assert to_flops(format_flops(7 * factor)) == pytest.approx(7 * factor)
        if name:
            assert flops_per_unit(f"{name}flops") == factor


@pytest.mark.parametrize("value", [1.0, 615e18, 5.6e22, 1.6373e22, 2.3736e19, 123.4e12, 9.99e26])
def test_format_then_parse_round_trip_within_printed_digits(value):
    assert to_flops(format_flops(value)) == pytest.approx(value, rel=5e-3)


def test_format_flops_examples():
    assert forecast.format_flops(5.6e22) == "56 ZFLOPS"
    assert format_flops(6.15e20) == "615 EFLOPS"
    assert format_flops(615e18 * 1.44 ** 9) == "16.4 ZFLOPS"
    assert format_flops(24_000 * 989e12, precision="FP16") == "23.7 EFLOPS (FP16)"
    assert format_flops(5.6e22, unit="EFLOPS") == "56000 EFLOPS"
    assert format_flops(0.5) == "0.5 FLOPS"


@pytest.mark.parametrize("text, message", [
    ("615 XFLOPS", "unknown prefix 'x'"),
    ("615 EFLOP", "amount of computation (FLOP), not a rate"),
    ("615 watts", "unknown unit 'watts'"),
    ("about 615 EFLOPS", "cannot read 'about 615 EFLOPS'"),
])
def test_bad_units_raise_unit_error(text, message):
    with pytest.raises(UnitError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        to_flops(text)
    assert isinstance(info.value, ForecastError) and isinstance(info.value, TypeError)


def test_quantities_of_one_precision_add_and_compare():
    a, b = Quantity(1e18, "FP16"), Quantity(2e18, "FP16")
    assert (a + b).flops == 3e18 and sum([a, b]).flops == 3e18
    assert (b - a).flops == 1e18 and b / a == 2.0 and (3 * a).flops == 3e18
    assert a < b and b >= a
    assert str(a + b) == "3 EFLOPS (FP16)"


@pytest.mark.parametrize("op", ["add", "subtract", "compare", "divide"])
def test_mixing_precisions_raises(op):
    fp16, fp32 = Quantity(989e12, "FP16"), Quantity(67e12, "FP32")
    actions = {"add": lambda: fp16 + fp32, "subtract": lambda: fp16 - fp32,
               "compare": lambda: fp16 > fp32, "divide": lambda: fp16 / fp32}
    with pytest.raises(UnitError, match=f"cannot {op} FP16 and FP32 FLOP/s"):
        actions[op]()


def test_adding_a_plain_number_is_refused():
    with pytest.raises(UnitError, match="wrap plain numbers in Quantity"):
        Quantity(1e18, "FP16") + 5.0


def test_explicit_conversion_changes_precision():
    # H100 SXM: 989 TFLOPS dense FP16 tensor vs 67 TFLOPS FP32 (NVIDIA datasheet via Epoch AI)
    fp16 = Quantity(989e12, "FP16")
    fp32 = fp16.convert("FP32", 67 / 989)
    assert fp32.precision == "FP32" and fp32.flops == pytest.approx(67e12)
    with pytest.raises(UnitError, match="positive number"):
        fp16.convert("FP32", 0)
    with pytest.raises(UnitError, match="unknown precision 'FP12'"):
        Quantity(1.0, "FP12")


def test_format_non_finite():
    assert format_flops(math.inf) == "inf FLOPS"


@pytest.mark.parametrize("text", ["-5 EFLOPS", "1e400 EFLOPS", float("nan"), float("inf"), -1,
                                  "-0.5"])
def test_to_flops_refuses_negative_and_non_finite_figures(text):
    with pytest.raises(UnitError, match="must be a finite number >= 0"):
        to_flops(text)


def test_to_flops_quotes_a_long_bad_value_short():
    with pytest.raises(UnitError) as err:
        to_flops("x" * 100_000)
    assert len(str(err.value)) < 200
