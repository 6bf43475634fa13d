"""forecast.growth: CAGR, projection, doubling time."""

import numpy as np
import pytest

import forecast
from forecast.errors import ParameterError


def test_implied_cagr_of_the_caict_2030_forecast():
    # CAICT WP 2022: 615 EFLOPS (2021) -> 56 ZFLOPS (2030), "平均年增速达到65%".
    assert forecast.implied_cagr(615e18, 56e21, 9) == pytest.approx(0.6508, abs=1e-4)


def test_projection_at_44_percent_falls_short_of_56_zflops():
    # 615 * 1.44**9 = 16373.35 EFLOPS (hand: 1.44**9 = 26.6233)
    assert forecast.project(615e18, 0.44, 9) == pytest.approx(1.6373350e22, rel=1e-7)


def test_project_and_implied_cagr_are_inverse():
    rates = np.array([-0.5, 0.0, 0.3, 1.5])
    ends = forecast.project(100.0, rates, 7)
    np.testing.assert_allclose(forecast.implied_cagr(100.0, ends, 7), rates, atol=1e-12)


def test_project_broadcasts_over_periods():
    np.testing.assert_allclose(forecast.project(1.0, 1.0, np.arange(4)), [1, 2, 4, 8])


def test_doubling_time():
    assert forecast.doubling_time(1.0) == 1.0
    assert forecast.doubling_time(0.44) == pytest.approx(np.log(2) / np.log(1.44))
    # Epoch AI: 4.6x a year is "doubling roughly every five months" -> 12 ln2 / ln4.6 = 5.45 months
    assert forecast.doubling_time(3.6) * 12 == pytest.approx(5.450, abs=1e-3)


@pytest.mark.parametrize("call, name", [
    (lambda: forecast.implied_cagr(0, 1, 2), "start_value"),
    (lambda: forecast.implied_cagr(1, -1, 2), "end_value"),
    (lambda: forecast.implied_cagr(1, 2, 0), "periods"),
    (lambda: forecast.project(1, -1.0, 2), "rate"),
    (lambda: forecast.doubling_time(0.0), "rate"),
])
def test_bad_arguments_name_the_parameter(call, name):
    with pytest.raises(ParameterError, match=f"parameter '{name}'"):
        call()
