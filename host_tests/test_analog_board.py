"""The analog-sensor board: the sensor chain the plant models, the calibration file the firmware
reads, and the full pressure range in closed loop on both leg plants."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulseboot import fw
from pulseboot.plant import PRESETS, analog
from pulseboot.report.analysis import Recorder
from pulseboot.run import simulate
from pulseboot.run.device_shell import run_device

import analog_sensor  # firmware/lib
import settings as fw_settings
import topology
import wiring

BOARD = "esp32-devkitc-4ch-analog"
RECOVERY = fw.programs.find("recovery")
LEVEL_MAX_MMHG = fw.programs.PROGRAMS[RECOVERY][fw.programs.LEVEL_MAX] / 10
PEAK_TOLERANCE_MMHG = 1.5


class _Adc:
    def __init__(self, value):
        self.value = value

    def read_u16(self):
        return self.value


def _convert(calibration, raw, top=0):
    out = [0]
    analog_sensor.AnalogSensor([_Adc(raw)], calibration, None, 1, top).read(out)
    return out[0]


def test_the_board_file_ships_the_nominal_datasheet_line():
    board = fw.load_board(BOARD)
    assert tuple(board["sensor_calibration"]) == analog.nominal_calibration()
    assert board["sensor_top_dmmhg"] == analog.FULL_DMMHG


def test_adc_is_linear_only_inside_its_range_and_flattens_outside():
    lo, hi = analog.ADC_LINEAR
    slope = analog.ADC_PER_V
    for v in (lo, 0.5, 1.0, 2.0, hi):
        assert abs(analog.adc_raw12(v) - (v - analog.ADC_V0) * slope) <= 1
    assert analog.adc_raw12(0.05) == 0  # below ~100 mV it reads nothing
    assert analog.adc_raw12(0.125) < (0.125 - analog.ADC_V0) * slope - 10  # reads low near the bottom
    assert analog.adc_raw12(2.9) < (2.9 - analog.ADC_V0) * slope - 100  # and flattens above 2.45 V
    assert analog.adc_raw12(5.0) <= 4095
    assert analog.read_u16(4095) == 65535 and analog.read_u16(0) == 0


def test_divider_keeps_the_sensors_whole_output_inside_the_linear_range():
    # From the lowest zero the offset spread allows up to the output's saturation, either divider extreme.
    lowest = analog.V_ZERO - analog.SENSOR_SPREAD * (analog.V_FULL - analog.V_ZERO)
    for v in (lowest, analog.V_RAIL_HI):
        for ratio in (1 - analog.DIVIDER_SPREAD, 1 + analog.DIVIDER_SPREAD):
            assert analog.ADC_LINEAR[0] <= v * analog.DIVIDER * ratio <= analog.ADC_LINEAR[1]


def test_a_saturated_sensor_reads_over_range_not_a_pressure():
    board = fw.load_board(BOARD)
    cal, top = board["sensor_calibration"], board["sensor_top_dmmhg"]
    chain = analog.Chain()
    assert abs(_convert(cal, chain.u16(2000), top) - 2000) <= 2
    # Past 40 kPa the output stops rising below the ADC's rail: the rated top catches it.
    assert chain.u16(4000) == chain.u16(9000) < 65535 - 64
    assert _convert(cal, chain.u16(4000), top) == analog_sensor.OVER_RANGE
    assert _convert(cal, 0, top) == analog_sensor.UNDER_RANGE  # sensor unpowered or unplugged: 0 V


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_drawn_spread_is_the_datasheets_and_a_two_point_calibration_cancels_it(seed):
    chains = analog.draw_chains(4, seed)
    swing = analog.V_FULL - analog.V_ZERO
    for c in chains:
        assert abs(c.offset_v) <= analog.SENSOR_SPREAD * swing and abs(c.span - 1) <= analog.SENSOR_SPREAD
        assert abs(c.divider / analog.DIVIDER - 1) <= analog.DIVIDER_SPREAD
        assert abs(c.vref - analog.VREF_NOMINAL) <= analog.VREF_SPREAD
        cal = c.calibration()
        for dmmhg in range(0, 2101, 100):
            # Calibrated: within the ADC's quantisation (~0.12 mmHg a count of 12 bits).
            assert abs(_convert(cal, c.u16(dmmhg)) - dmmhg) <= 2
    # Uncalibrated (the datasheet line), the spread shows: why levels stay capped until then.
    nominal = analog.nominal_calibration()
    for c in chains:
        zeroed = _convert(nominal, c.u16(1500)) - _convert(nominal, c.u16(0))
        assert abs(zeroed - 1500) <= 0.15 * 1500


def test_the_spread_is_seeded():
    assert [vars(c) for c in analog.draw_chains(4, 7)] == [vars(c) for c in analog.draw_chains(4, 7)]
    assert [vars(c) for c in analog.draw_chains(4, 7)] != [vars(c) for c in analog.draw_chains(4, 8)]


def _load(tmp_path, monkeypatch, text):
    monkeypatch.syspath_prepend(str(fw.ROOT))
    (tmp_path / "board.txt").write_text(BOARD + "\n")
    if text is not None:
        (tmp_path / "calibration.txt").write_text(text)
    return wiring.load_board(str(tmp_path) + wiring.BOARD_FILE)


def test_wiring_reads_each_sensors_calibration_from_the_file(tmp_path, monkeypatch, capsys):
    board = _load(tmp_path, monkeypatch, "3150 24200 150\n3100 24000 150\n\n3200 24400 150\n3120 24100 140\n")
    assert board["sensor_calibrated"] is True
    assert board["sensor_calibration"][0] == (3150, 0, 24200, 1500)
    assert board["sensor_calibration"][3] == (3120, 0, 24100, 1400)
    assert "not calibrated" not in capsys.readouterr().out
    assert "sensor_calibrated" not in fw.load_board(BOARD)  # the board file's own dict stays as written
    assert topology.sensor_span_dmmhg(board, 3000) == 3000


@pytest.mark.parametrize("text,said", [
    (None, "no "),
    ("3150 24200 150\n", "1 lines for 4 sensors"),
    ("3150 24200 150\n3150 24200\n", "line 2 is not 'raw_vented raw_at_ref ref_mmhg'"),
    ("3150 3150 150\n", "line 1 is not"),
    ("a b c\n", "line 1 is not"),
])
def test_without_a_usable_calibration_the_nominal_line_stays_and_levels_are_capped(tmp_path, monkeypatch, capsys,
                                                                                   text, said):
    board = _load(tmp_path, monkeypatch, text)
    out = capsys.readouterr().out
    assert "sensors not calibrated" in out and said in out and "README Calibration" in out
    assert not board.get("sensor_calibrated")
    assert tuple(board["sensor_calibration"]) == analog.nominal_calibration()
    # The HX710B boards' span: levels near 60 mmHg, whatever the sensor could read.
    assert topology.sensor_span_dmmhg(board, 3000) == topology.sensor_span_dmmhg({}, 3000)


def _recovery(level_mmhg, plant, shell, duration_s=300):
    rec = Recorder()
    summary = simulate(board=BOARD, program="recovery", level_mmhg=level_mmhg, plant=plant, shell=shell,
                       duration_s=duration_s, on_tick=rec, seed=random.Random(plant).randrange(1000))
    return summary, rec


@pytest.mark.parametrize("plant", ["small-leg", "large-leg"])
@pytest.mark.parametrize("level", [70.0, LEVEL_MAX_MMHG])
def test_recovery_reaches_the_full_range_from_the_third_cycle(plant, level):
    summary, rec = _recovery(level, plant, "core")
    assert summary["faults"] == [] and summary["level_mmhg"] == level and summary["level_lowered_by"] is None
    cycles = rec.complete_cycles()
    assert len(cycles) >= 4, len(cycles)
    for c in cycles[2:]:
        for i, peak in enumerate(c.peak):
            assert abs(peak - level) <= PEAK_TOLERANCE_MMHG, (c.start_ms, i + 1, peak)
    assert rec.max_mmhg <= level + PEAK_TOLERANCE_MMHG + 1.0


def test_the_device_shell_reads_the_calibration_from_flash_and_reaches_the_top_level():
    summary, rec = _recovery(LEVEL_MAX_MMHG, "large-leg", "device", duration_s=200)
    assert summary["faults"] == [] and summary["level_mmhg"] == LEVEL_MAX_MMHG
    cycles = rec.complete_cycles()
    assert len(cycles) >= 3
    assert all(abs(p - LEVEL_MAX_MMHG) <= PEAK_TOLERANCE_MMHG for p in cycles[-1].peak), cycles[-1].peak


def test_uncalibrated_the_device_says_so_and_runs_a_lowered_level_the_true_pressure_stays_near():
    saved = fw_settings.Settings("")
    saved.program = RECOVERY
    saved.levels[RECOVERY] = int(LEVEL_MAX_MMHG * 10)
    rec = Recorder()
    result = run_device(BOARD, PRESETS["small-leg"], seed=3,
                        duration_ms=150000, on_tick=rec,
                        flash_files={"settings.json": saved.to_json(), "calibration.txt": "3150 24200\n"})
    console = result["console"]
    assert "sensors not calibrated" in console and "lowered to" in console
    assert result["faults"] == []
    cap = topology.sensor_span_dmmhg({}, 3000) / 10  # the HX710B boards' span, mmHg
    # The datasheet line may be 12 % off: the true pressure stays within that of the capped level.
    assert 30 < rec.max_mmhg <= (cap - fw.limits.TRIP_MARGIN_DMMHG / 10) * 1.12 + 2
