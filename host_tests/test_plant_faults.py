"""Every single physical fault must be detected and end in the safe state."""
import pytest

from pulseboot import fw, run
from pulseboot.report.analysis import Recorder

# fault, chamber it hits, program, the code the limiter must latch
CASES = [
    ("leak", 1, "gradient", "LEAK"),
    # Held when it comes off: its reading drops faster than a leak, by more than a third, so no top-up
    # follows it while the drop stands the second a movement of a limb would be over in.
    ("hose-off", 2, "gradient", "SENSOR"),
    ("kink", 0, "recovery", "NO_RISE"),
    ("pump-weak", 0, "recovery", "FILL_TIMEOUT"),
    ("stuck-vent", 0, "gradient", "VENT_TIMEOUT"),
    ("dead-sensor", 3, "gradient", "SENSOR"),
]


@pytest.mark.parametrize("kind,chamber,program,code", CASES)
def test_fault_is_detected_and_leaves_the_limb_unpressurised(kind, chamber, program, code):
    rec = Recorder()
    rows = []
    summary = run.simulate(program=program, duration_s=240, plant="large-leg", seed=3, on_tick=lambda r: (
        rec(r), rows.append((r[0], r[1], r[4], list(r[5]), list(r[7]), list(r[8])))),
        plant_faults=[run.PlantFault(kind, 30000, chamber)])
    assert [f["code"] for f in summary["faults"]] == [code]
    trip = summary["faults"][0]["t_ms"]
    assert trip > 30000
    after = [r for r in rows if r[0] >= trip]
    assert all(r[1] == "FAULT" and r[2] == 0 and not any(r[4]) and all(r[5]) for r in after)
    assert rec.unsafe_fault_rows == 0
    assert rec.max_mmhg < summary["hard_limit_mmhg"]
    if kind != "stuck-vent":  # every healthy chamber vents once the fault latched
        assert max(after[-1][3]) < 5.0


def test_stuck_inlet_cannot_overpressure_a_limb():
    # An inlet stuck open puts the chamber on the manifold whenever the pump runs for
    # another chamber: the limiter must trip before the chamber exceeds target + margin.
    rec = Recorder()
    summary = run.simulate(program="gradient", duration_s=240, seed=5, on_tick=rec,
                      plant_faults=[run.PlantFault("stuck-inlet", 1000, 0)])
    margin = fw.limits.TRIP_MARGIN_DMMHG / 10
    assert rec.max_mmhg <= summary["targets_mmhg"][0] + margin + 3
    assert rec.unsafe_fault_rows == 0


@pytest.mark.parametrize("board", ["esp32-devkitc-4ch", "esp32-devkitc-4ch-manifold"])
@pytest.mark.parametrize("plant", ["small-leg", "large-leg"])
def test_a_stuck_sensor_cannot_let_the_pump_run_on_unseen(board, plant):
    # The reading freezes while the chamber fills: the pump must stop within NO_RISE_MS
    # of feeding, long before the true pressure gets anywhere near the ceiling.
    rows = []  # mid-way through the first chamber's first fill (after the garment check's puffs)
    run.simulate(program="gradient", board=board, plant=plant, duration_s=15, seed=2, shell="core",
                 on_tick=lambda r: rows.append((r[0], r[4], r[7][0], r[5][0])))
    at_ms = next(t for t, pump, inlet, p in rows if pump and inlet and p > 10.0)
    rec = Recorder()
    summary = run.simulate(program="gradient", board=board, plant=plant, duration_s=60, seed=2, on_tick=rec,
                      plant_faults=[run.PlantFault("stuck-sensor", at_ms, 0)], shell="core")
    assert [f["code"] for f in summary["faults"]] == ["NO_RISE"]
    assert summary["faults"][0]["t_ms"] <= at_ms + 2500 + fw.limits.NO_RISE_MS
    assert rec.max_mmhg < summary["targets_mmhg"][0] + fw.limits.TRIP_MARGIN_DMMHG / 10
    assert rec.unsafe_fault_rows == 0
