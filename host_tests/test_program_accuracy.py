"""Every program delivered as defined on the simulated plant (the figures `pulseboot bench
--programs` reports over both leg plants and three seeds; here one plant and seed each, so
`make test` stays short): peaks from the third wave within 1.5 mmHg of target, the first wave at
most 3 mmHg over, fills close to what the pump allows, no fault on a healthy plant."""
import json

import pytest

from pulseboot import cli, fw
from pulseboot.report import program_accuracy as accuracy


@pytest.mark.parametrize("program", fw.programs.NAMES[:fw.programs.BUILT_IN])
def test_each_program_meets_its_accuracy_and_fill_targets(program):
    plant = "large-leg" if program in ("wave", "boost") else "small-leg"
    figures = accuracy.measure("esp32-devkitc-4ch", program, plants=(plant,), seeds=(4,))
    assert figures.misses() == [], figures.as_dict()
    assert figures.waves_judged >= 3
    assert 1.0 <= figures.fill_ratio_median <= accuracy.FILL_RATIO  # never faster than the pump can fill


def test_the_pump_limited_time_is_what_the_plant_alone_takes():
    board = fw.load_board("esp32-devkitc-4ch")
    params = accuracy.run.PRESETS["small-leg"]
    low, high = (accuracy.pump_limited_ms(board, params, 0, 0, mmhg) for mmhg in (20, 45))
    assert 0 < low < high < 20000  # a few seconds, longer for more


def test_limb_and_programs_are_one_or_the_other(capsys):
    assert cli.main(["bench", "--limb", "--programs"]) == 2
    assert "give one of them" in capsys.readouterr().err


@pytest.mark.parametrize("as_json", [False, True])
def test_the_limb_sweep_reports_false_trips_and_peaks_held_still_and_moved(capsys, monkeypatch, as_json):
    # Two short runs stand for the 320 two-hour sessions: the report's shape, not its figures.
    from pulseboot import bench

    sweep = bench.limb_sweep
    cases = [("arm", "recovery", "esp32-devkitc-4ch", 0), ("bench", "gradient", "esp32-devkitc-4ch", 0)]
    monkeypatch.setattr(bench, "limb_cases", lambda: cases)
    monkeypatch.setattr(bench, "limb_sweep", lambda c, seconds, **kw: sweep(c, seconds=240, workers=1, **kw))
    code = cli.main(["bench", "--limb"] + (["--json"] if as_json else []))
    out = capsys.readouterr().out
    if as_json:
        figures = json.loads(out)
        assert figures["limb_runs"] == 2 and figures["limb_false_trips"] == 0
        assert figures["limb_peaks_judged"] > 0 and 0 < figures["limb_peak_error_within_mmhg"] <= 1
        assert figures["met"]["limb_false_trips"] and code == (0 if all(figures["met"].values()) else 1)
        # Each run is named by its worst peak held still, the worst first, to replay it.
        worst = figures["limb_worst_peaks"]
        assert len(worst) == 2 and {w.split(" seed 0: ")[0] for w in worst} == {" ".join(c[:3]) for c in cases}
        errors = [float(w.split(": ")[1].split(" mmHg")[0]) for w in worst]
        assert errors == sorted(errors, reverse=True) and all(" wave " in w and " chamber " in w for w in worst)
    else:
        assert "limb_false_trips" in out and "2 runs, 0.1 h" in out
        assert "runs with the worst peaks held still:" in out and "arm recovery esp32-devkitc-4ch seed 0: " in out
        assert "peaks held still" in out and ("peaks the wearer moved under" in out or "no peak had" in out)
        assert "None" not in out


def test_drawn_limbs_lie_in_the_published_ranges_and_the_same_seed_draws_the_same_runs():
    from pulseboot import bench
    from pulseboot.plant import LIMB_PRESETS, LIMB_RANGES

    cases = bench.drawn_cases(40, draw_seed=3)
    assert cases == bench.drawn_cases(40, draw_seed=3) and cases != bench.drawn_cases(40, draw_seed=4)
    fits = {(program, board) for _plant, program, board, _seed in bench.limb_cases(seeds=(0,))}
    for plant, program, board, _seed, figures in cases:
        assert plant in LIMB_PRESETS and (program, board) in fits
        for (low, high), value in zip(LIMB_RANGES.values(), figures):
            assert low <= value <= high
    assert len({c[2] for c in cases}) > 1 and len({c[4] for c in cases}) == 40


def test_the_drawn_sweep_runs_and_names_each_limb(capsys, monkeypatch):
    from pulseboot import bench

    sweep = bench.limb_sweep
    seen = []
    monkeypatch.setattr(bench, "limb_sweep",
                        lambda c, seconds, **kw: seen.append((c, seconds)) or sweep(c, seconds=120, workers=1, **kw))
    assert cli.main(["bench", "--limb", "--draw", "2", "--draw-seed", "5", "--json"]) in (0, 1)
    figures = json.loads(capsys.readouterr().out)
    assert figures["limb_runs"] == 2 and figures["drawn"] == {"runs": 2, "draw_seed": 5, "seconds": 3600}
    assert seen == [(bench.drawn_cases(2, 5), bench.LIMB_DRAW_SECONDS)]
    for argv, says in ((["--draw", "2"], "--draw goes with --limb"), (["--limb", "--draw", "0"], "from 1 to 1000"),
                       (["--draw-seed", "2"], "--draw-seed goes with --limb"),
                       (["--limb", "--draw", "\u00b2"], "from 1 to 1000"),
                       (["--limb", "--draw-seed", "1"], "needs --draw N"), (["--limb", "--runs", "3"], "--runs goes")):
        assert cli.main(["bench", *argv]) == 2
        assert says in capsys.readouterr().err
