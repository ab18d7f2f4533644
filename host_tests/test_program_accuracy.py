"""Every program delivered as defined on the simulated plant (the figures `pulseboot bench
--programs` reports over both leg plants and three seeds; here one plant and seed each, so
`make test` stays short): peaks from the third wave within 1.5 mmHg of target, the first wave at
most 3 mmHg over, fills close to what the pump allows, no fault on a healthy plant."""
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
