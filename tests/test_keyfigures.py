"""Key figures of the index: the answers lead, each states scope, precision, year and band level,
and no ratio mixes years or scopes (issue 21's mislabelled figures, each pinned here)."""

from __future__ import annotations

import re

from forecast.pipeline.site import keyfigures

AI = """year,designer,measure,precision,p5,p50,p95,mean,unit,kind
2022,all,stock,FP16,4e20,4.9e20,6e20,4.9e20,FLOP/s,observed
2025,all,stock,FP16,1.7e22,1.85e22,2e22,1.86e22,FLOP/s,observed
2030,all,stock,FP16,3.54e23,1.44e24,7.08e24,2.3e24,FLOP/s,forecast
2030,Nvidia,stock,FP16,2e23,8e23,4e24,1e24,FLOP/s,forecast
2030,all,shipments,FP16,1e23,5e23,2e24,6e23,FLOP/s,forecast
"""
SHARE = """year,basis,p5,p50,p95,kind
2030,shipments_h100e,0.273,0.574,0.813,forecast
2030,shipments_flops,0.254,0.549,0.797,forecast
2030,stock_flops,0.303,0.560,0.782,forecast
2025,shipments_flops,0.6,0.7,0.8,observed
"""
FORECAST = """scope,precision,method,weight,year,p5,p50,p95,unit,level,base_year,base_value,horizon,label,note
computing_index,mixed,growth_2y,0.27,2030,1.16e21,1.75e22,3.24e23,FLOP/s,0.9,2023,1.397e21,7,x,
computing_index,mixed,loglinear,0.0,2030,2.7e21,1.44e22,6.1e22,FLOP/s,0.9,2023,1.397e21,7,x,fails the real-time coverage check
computing_index,mixed,damped,0.73,2030,3.05e21,1.71e22,9.29e22,FLOP/s,0.9,2023,1.397e21,7,x,
computing_index,mixed,combined,1.0,2030,2.24e21,1.67e22,1.31e23,FLOP/s,0.9,2023,1.397e21,7,x,
supercomputing,FP64 achieved,combined,1.0,2030,2.5e19,9.3e19,4.6e20,FLOP/s,0.9,2026,1.87e19,4,x,
"""
VERDICTS = """publisher,published,scope,year,value,bound,implied_growth,measured_growth,probability,verdict
CAICT,2022-11-05,computing_index,2030,5.6e22,point,0.651,0.482,0.15,CAICT (2022-11-05): 56 ZFLOPS in 2030 needs 65%/yr; P = 15%: a stretch.
CAICT,2023-09-15,computing_index,2030,2e22,lower,0.46,0.482,0.43,the bound is doubtful.
"""
HINDCAST = """origin,target,year,p5,p50,p95,actual,log_error,inside_90
2022-12-31,stock:all,2025,1e21,3e21,6e21,1.85e22,1.9,False
2023-12-31,stock:all,2025,1e22,1.5e22,2e22,1.85e22,0.5,True
2024-12-31,stock:all,2025,1.6e22,2e22,2.4e22,1.85e22,-0.1,True
2024-12-31,stock:Nvidia,2025,1e22,1.3e22,1.5e22,1.25e22,-0.1,True
"""
COVERAGE = """method,horizon,level,nominal,coverage,n_origins,ci_low,ci_high,n_forecasts
growth_2y,7,0.9,0.9,0.93,22,0.69,0.99,100
damped,7,0.9,0.9,0.884,21,0.63,0.97,95
loglinear,7,0.9,0.9,0.57,22,0.33,0.78,100
damped,7,0.8,0.8,0.8,21,0.6,0.9,95
"""
COMBINED = "combined:computing_index,7,0.9,0.9,0.948,21,0.71,0.99,96\n"
HEADLINE_01 = """target,scope,component,precision,year,model,median,mean,lower,upper,level,unit
global compute,global,total,mixed,2030,cagr,1.64e22,1.8e22,8e21,3.3e22,0.8,FLOP/s
global compute,global,total,mixed,2030,arima,1.64e22,1.8e22,8e21,3.3e22,0.8,FLOP/s
global compute,global,total,mixed,2030,logistic,4.1e21,4.1e21,3e21,5e21,0.8,FLOP/s
global compute,global,total,mixed,2035,cagr,9e22,9e22,4e22,2e23,0.8,FLOP/s
global compute,china-device,total,mixed,2030,cagr,9e23,9e23,8e23,1e24,0.8,FLOP/s
"""
COMPARISON = """scenario,component,precision,year,p5,p50,p95,implied_cagr,unit
base,total,mixed,2030,9.757e21,3.0103e22,1.0929e23,0.54,FLOP/s
bear,total,mixed,2030,5.04e21,7.63e21,1.22e22,0.3,FLOP/s
"""
AI_GAP = """source,what,year,kind,precision,median,lower,upper,bound,comparable,ratio
"Epoch AI (bottom-up, all designers)",sum of medians,2025,estimate,FP16,1.952e+22,1.769e+22,2.163e+22,point,True,1.0
"CAICT WP 2022",intelligent,2021,actual,FP16,2.32e+20,,,point,True,84.1
"CAICT WP 2023",intelligent,2022,actual,FP16,4.51e+20,,,point,True,43.3
"H3C; CAICT",intelligent,2022,actual,FP16,1.42e+20,,,point,True,137.5
"CAICT WP 2023",total,2022,actual,mixed,9.06e+20,,,point,False,21.5
"CAICT WP 2022",total,2030,forecast,mixed,5.6e+22,,,point,False,0.349
"CAICT WP 2023",total,2030,forecast,mixed,2e+22,,,lower,False,0.976
"CCIA",total,2030,forecast,mixed,1.6e+22,,,lower,False,1.22
"""
GAP = """source,year,point,status,top_down_EFLOPS,top_down_precision,revenue_implied_EFLOPS,quarters_of_shipments,epoch_EFLOPS,ratio_revenue_implied,ratio_epoch
"global, CAICT",2022,year,recalled,451.0,FP16,141.6,3,,0.314,
"global, H3C; CAICT",2022,year,verified-primary,142.0,FP16,141.6,3,,0.997,
"China, IDC",2023,year,verified-secondary,300.0,FP16,500,3,,1.67,
"""


def tables_dir(tmp_path, **files):
    (tmp_path / "tables").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (tmp_path / "tables" / f"{name}.csv").write_text(text)
    return tmp_path


def _all(tmp_path):
    return tables_dir(tmp_path, ai_compute_forecast=AI, nvidia_share_forecast=SHARE,
                      forecast_2030=FORECAST, published_verdicts=VERDICTS, hindcast=HINDCAST,
                      calibration_coverage=COVERAGE, headline_01_global_compute=HEADLINE_01,
                      scenarios_comparison=COMPARISON, ai_stock_vs_top_down=AI_GAP)


def test_the_answers_lead_and_the_first_is_ai_accelerators_in_2030(tmp_path):
    figures = keyfigures.compute(_all(tmp_path))
    assert [f.key for f in figures] == ["ai_compute", "nvidia_share", "index", "verdict_56",
                                        "track_record", "scenarios", "models", "bottom_up"]
    first = figures[0]
    assert first.answer == ("1.44 YFLOPS (354 ZFLOPS to 7.08 YFLOPS) of dense FP16 peak at the "
                            "end of 2030; 18.5 ZFLOPS at the end of 2025 (observed)")
    assert "2030" in first.question and "FP16" in first.question and "90% band" in first.question
    assert first.page == "00_answer"


def test_every_key_figure_states_scope_precision_year_and_band_level(tmp_path):
    figures = {f.key: f for f in keyfigures.compute(_all(tmp_path))}
    for key in ("ai_compute", "nvidia_share", "index", "scenarios"):
        text = figures[key].question + " " + figures[key].answer
        assert "2030" in text, key
        assert "90% band" in figures[key].question, key
        assert re.search(r"FP16|mixed precision|mixed-precision", text + figures[key].detail), key
    assert "mixed precision" in figures["verdict_56"].question
    assert figures["index"].answer == ("16.7 ZFLOPS (2.24 to 131 ZFLOPS) in 2030; top down from "
                                       "1.4 ZFLOPS in 2023")
    # weights of the methods used; a method with no weight is not listed
    assert "growth_2y 27%, damped 73%" in figures["index"].detail
    assert "loglinear" not in figures["index"].detail
    assert figures["nvidia_share"].answer.startswith(
        "55% (25% to 80%) of the dense FP16 FLOP/s shipped in 2030; 57% (27% to 81%) of the "
        "H100-equivalents shipped in 2030")
    assert figures["verdict_56"].answer == ("CAICT (2022-11-05): 56 ZFLOPS in 2030 needs 65%/yr, "
                                            "P = 15%: a stretch.")


def test_scenarios_are_called_what_ifs(tmp_path):
    figure = keyfigures.scenarios_2030(_all(tmp_path) / "tables")
    assert figure.question.startswith("Scenario assumptions (what-ifs)")
    assert "not an estimate" in figure.detail
    assert figure.answer == ("bear: 7.63 ZFLOPS (5.04 to 12.2 ZFLOPS); "
                             "base: 30.1 ZFLOPS (9.76 to 109 ZFLOPS)")


def test_track_record_counts_the_hindcasts_and_the_calibrations_own_coverage(tmp_path):
    figure = keyfigures.track_record(_all(tmp_path) / "tables")
    # stock:all rows only (2 of 3 inside); coverage of the methods with weight at 7 years, 90%
    assert figure.answer == (
        "AI accelerator stock (FP16), replayed from past year-ends: 2 of 3 outcomes inside the "
        "90% band; the index methods' calibrated 90% bands held 88% to 93% of outcomes 7 years "
        "ahead, in real time on long series (at least 21 origins)")


def test_track_record_prefers_the_combinations_own_coverage(tmp_path):
    out = tables_dir(tmp_path, hindcast=HINDCAST, forecast_2030=FORECAST,
                     calibration_coverage=COVERAGE + COMBINED)
    figure = keyfigures.track_record(out / "tables")
    assert figure.answer.endswith("the index's combined 90% band, replayed on long series, "
                                  "held 95% of outcomes 7 years ahead (21 origins)")


def test_coinciding_models_are_one_forecast_not_two(tmp_path):
    # the mislabelling: "medians of 3 models" where CAGR and ARIMA gave the same median
    figure = keyfigures.model_range(_all(tmp_path) / "tables")
    assert figure.answer == "4.1 ZFLOPS (logistic) to 16.4 ZFLOPS (cagr = arima)"
    assert figure.detail.startswith("2 distinct medians from 3 models")
    assert "cagr = arima give the same forecast" in figure.detail


def test_bottom_up_ratio_only_within_one_year_and_lower_bounds_stay_bounds(tmp_path):
    # the mislabelling: a 2025 stock divided by 2022 figures ("43.3-137x smaller")
    figure = keyfigures.bottom_up(_all(tmp_path) / "tables")
    assert "43.3" not in figure.answer and "137" not in figure.answer
    # 4.9e20 (end-2022 stock) / 4.51e20 = 1.09; / 1.42e20 = 3.45
    assert ("top-down, CAICT-style FP16: 142 to 451 EFLOPS (2 estimates) in 2022, against "
            "490 EFLOPS installed at the end of 2022 by the bottom-up model (00_answer, with "
            "NVIDIA chips shipped before 2022 implied by revenue): 1.09-3.45x") in figure.answer
    # the mislabelling: "published 2030 totals of 16-56 ZFLOPS" where 16 and 20 are lower bounds
    assert ("published 2030 totals (56 ZFLOPS, more than 20 ZFLOPS, more than 16 ZFLOPS) are "
            "mixed-precision sums") in figure.answer
    # without a bottom-up figure for the top-down year there is no ratio at all
    (tmp_path / "tables" / "ai_compute_forecast.csv").unlink()
    alone = keyfigures.bottom_up(tmp_path / "tables")
    assert "no bottom-up figure for 2022: no ratio" in alone.answer
    assert not re.search(r"\d+x", alone.answer.split("; top-down")[1])


def test_the_fallback_never_divides_a_global_stock_by_china_only_figures(tmp_path):
    # the mislabelling: a global stock over IDC's China-only figures called a gap
    out = tables_dir(tmp_path, gpu_bottom_up_vs_top_down=GAP)
    figure = keyfigures.bottom_up(out / "tables")
    assert figure.page == "02_gpu_demand"
    assert figure.answer == ("2022: 142 EFLOPS bottom-up vs 142 EFLOPS top-down (FP16), "
                             "ratio 0.997")
    assert "IDC" not in figure.answer + figure.detail and "2023" not in figure.answer


def test_missing_or_broken_tables_say_not_yet_computed(tmp_path):
    out = tables_dir(tmp_path, forecast_2030="scope,year\nx,not a year\n",
                     hindcast="\x00\x01garbage", gpu_bottom_up_vs_top_down="")
    figures = keyfigures.compute(out)
    assert [f.answer for f in figures] == [None] * len(figures)
    block = keyfigures.render(figures, out)
    assert block.count("not yet computed") == len(figures) == 8


def test_render_links_pages_that_exist(tmp_path):
    out = _all(tmp_path)
    (out / "html").mkdir()
    (out / "html" / "00_answer.html").write_text("<html></html>")
    block = keyfigures.render(keyfigures.compute(out), out)
    assert block.startswith('<section id="key-figures">')
    assert '<a href="html/00_answer.html">00_answer</a>' in block
    assert "07_answers from" in block  # page not rendered yet: named, not linked
    assert block.index('id="key-ai_compute"') < block.index('id="key-index"')
