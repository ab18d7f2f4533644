"""The firmware's control core against the simulated plant: physical outcomes only."""
import dataclasses

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pulseboot import fw
from pulseboot.run import simulate
from pulseboot.report.analysis import VENTED_MMHG
from pulseboot.report.analysis import Recorder as WaveRecorder
from pulseboot.report.steady import SteadyPeaks
from pulseboot.plant import PRESETS
import itertools

PEAK_TOLERANCE_MMHG = 3.0
BODY_PRESETS = sorted(p for p in PRESETS if p != "bench")  # plants with a limb under the bladder
GARMENT_PUFF_MMHG = 10.0


class Recorder(WaveRecorder):
    """The waves (fill order, true peaks) and, on a limb, their peaks on the pulse-free part of the
    pressure (report/steady.py): the pulse and a movement ride on what the controller holds."""

    def __init__(self):
        super().__init__()
        self.steady = SteadyPeaks()

    def __call__(self, row):
        super().__call__(row)
        self.steady(row)


def targets_mmhg(program, chambers, level_dmmhg=None):
    index = fw.programs.find(program)
    level = level_dmmhg or fw.programs.PROGRAMS[index][fw.programs.LEVEL_DEFAULT]
    out = [0] * chambers
    fw.programs.fill_targets(index, chambers, level, out)
    return [t / 10 for t in out]


def run(program, chambers=None, board=fw.DEFAULT_BOARD, **kw):
    board_def = fw.load_board(board)
    if chambers:
        board_def = dict(board_def, chambers=chambers, name="test-%dch" % chambers)
    rec = Recorder()
    summary = simulate(program=program, board_def=board_def, on_tick=rec, **kw)
    return summary, rec


def waves(rec):
    """The complete waves: the garment check's puffs at START (a few mmHg into each chamber, on
    a rigid bottle just past VENTED_MMHG) are no wave."""
    return [c for c in rec.complete_cycles() if max(c.peak) > GARMENT_PUFF_MMHG]


def assert_healthy_session(summary, rec, min_cycles):
    hard = fw.limits.HARD_LIMIT_DMMHG / 10
    assert summary["faults"] == []
    assert rec.max_mmhg < summary["hard_limit_mmhg"] <= hard
    cycles = waves(rec)
    assert len(cycles) >= min_cycles
    n = summary["chambers"]
    for c in cycles:
        # Strictly distal to proximal, every chamber every cycle.
        assert c.fill_order() == list(range(n)), (c.start_ms, c.crossed_ms)
        times = c.crossed_ms
        assert all(times[i] < times[i + 1] for i in range(n - 1))
    for peaks in rec.steady.waves[1:]:
        for i in range(n):
            assert abs(peaks[i] - summary["targets_mmhg"][i]) <= PEAK_TOLERANCE_MMHG, (i, peaks, summary)


@pytest.mark.parametrize("program", ["gradient", "recovery"])
@pytest.mark.parametrize("plant", sorted(PRESETS))
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_ten_minute_session_on_each_preset(program, plant, seed):
    summary, rec = run(program, plant=plant, seed=seed, duration_s=600)
    # The program's level, lowered if need be to what the HX710B can read (see level_cap).
    level = round(summary["targets_mmhg"][0] * 10)
    assert summary["targets_mmhg"] == targets_mmhg(program, 4, level)
    default = fw.programs.PROGRAMS[fw.programs.find(program)][fw.programs.LEVEL_DEFAULT]
    assert default - 200 <= level <= default
    assert_healthy_session(summary, rec, min_cycles=5)
    assert summary["cycles"] >= len(waves(rec)) - 1


def test_gradient_refill_period_keeps_limb_vented_about_a_minute():
    _summary, rec = run("gradient", duration_s=400)
    cycles = waves(rec)
    for before, after in itertools.pairwise(cycles):
        assert 45000 <= after.start_ms - before.end_ms <= 60000


@pytest.mark.parametrize("plant", sorted(PRESETS))
@pytest.mark.parametrize("seed", [0, 5])
def test_single_sensor_shared_exhaust_board(plant, seed):
    summary, rec = run("gradient", board="esp32-devkitc-4ch-manifold", plant=plant, seed=seed, duration_s=600)
    assert_healthy_session(summary, rec, min_cycles=4)


def test_single_sensor_board_refuses_distal_release():
    with pytest.raises(ValueError, match="needs a vent valve on every chamber"):
        simulate(program="recovery", board="esp32-devkitc-4ch-manifold", duration_s=1)


def test_eight_chamber_board():
    summary, rec = run("gradient", board="esp32s3-8ch", plant="large-leg", duration_s=400)
    assert summary["chambers"] == 8
    assert_healthy_session(summary, rec, min_cycles=3)


plants = st.builds(
    lambda base, compliance, leak, pump, noise: dataclasses.replace(
        PRESETS[base],
        chamber_unfold_l=PRESETS[base].chamber_unfold_l * compliance,
        tissue_l_per_mmhg=PRESETS[base].tissue_l_per_mmhg * compliance,
        leak_c=PRESETS[base].leak_c * leak,
        pump_free_lpm=PRESETS[base].pump_free_lpm * pump,
        sensor_noise_mmhg=noise,
    ),
    base=st.sampled_from(BODY_PRESETS),  # a rigid bottle (bench) with a strong pump overshoots more
    compliance=st.floats(0.6, 1.6),
    leak=st.floats(0.0, 4.0),
    pump=st.floats(0.7, 1.5),
    noise=st.floats(0.0, 0.8),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=plants, chambers=st.integers(3, 8), seed=st.integers(0, 2**16))
def test_any_healthy_plant_on_the_single_sensor_build(params, chambers, seed):
    board = dict(fw.load_board("esp32-devkitc-4ch-manifold"), chambers=chambers, name="test-%dch" % chambers)
    rec = Recorder()
    prog = fw.programs.PROGRAMS[fw.programs.find("gradient")]
    cycle_s = (chambers * 16000 + 30000 + prog[fw.programs.REST_MS]) / 1000
    summary = simulate(program="gradient", board_def=board, params=params, seed=seed, duration_s=3 * cycle_s,
                      on_tick=rec)
    assert_healthy_session(summary, rec, min_cycles=2)


@settings(max_examples=24, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=plants, chambers=st.integers(3, 12), program=st.sampled_from(["gradient", "recovery"]),
       seed=st.integers(0, 2**16))
def test_any_healthy_plant_and_chamber_count(params, chambers, program, seed):
    index = fw.programs.find(program)
    prog = fw.programs.PROGRAMS[index]
    # The tourniquet guard refuses a program that could hold a chamber up longer than
    # TOURNIQUET_MS (a gradient wave on more than 8 chambers): there is no such session to run.
    assume(fw.programs.held_ms(index, chambers) <= fw.limits.TOURNIQUET_MS)
    # Long enough for three full cycles even with the slowest plant drawn.
    cycle_s = (chambers * 12000 + prog[fw.programs.RELEASE_MS] + prog[fw.programs.REST_MS]) / 1000
    summary, rec = run(program, chambers=chambers, params=params, seed=seed, duration_s=3 * cycle_s + 5)
    assert_healthy_session(summary, rec, min_cycles=2)
    for c in waves(rec):
        assert c.end_ms is not None and max(c.peak) > VENTED_MMHG
