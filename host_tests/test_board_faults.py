"""Faults of the board itself, injected into the fake board: the control loop hangs (only the
watchdog can act) or the supply drops for half a second (the chip starts again from boot.py).
Both run the unmodified firmware on the device shell, in CPython and in the MicroPython VM."""
import pytest
from pulseboot import fw, run
from pulseboot.fakeboard.world import POWER_OFF_MS
from pulseboot.report.trace import TraceWriter, read_trace

import limits

WDT_MS = limits.WDT_TIMEOUT_MS


def _traces(tmp_path, kind, at_ms, duration_s=30, vms=run.VMS):
    out = {}
    for vm in vms:
        path = tmp_path / f"{vm}.csv"
        with TraceWriter(path, 4) as writer:
            run.simulate(duration_s=duration_s, plant="large-leg", seed=5, on_tick=writer, vm=vm,
                         plant_faults=[run.PlantFault(kind, at_ms, 0)])
        out[vm] = path
    return out


def _first_fill_ms():
    """When the first chamber's first fill is under way (the pump on, its inlet open, the
    chamber above the garment check's puff of air), in a healthy run."""
    rows = []
    run.simulate(duration_s=15, plant="large-leg", seed=5,
                 on_tick=lambda r: rows.append((r[0], r[4], r[7][0], r[5][0])))
    return next(t for t, pump, inlet, p in rows if pump and inlet and p > 5.0)


def test_a_hung_loop_stops_the_pump_by_its_lease_keeps_the_valves_until_the_watchdog_then_vents(tmp_path):
    at = _first_fill_ms() + 500  # mid-fill of chamber 1: pump on, inlet open
    paths = _traces(tmp_path, "hang", at)
    assert paths["cpython"].read_bytes() == paths["micropython"].read_bytes()
    t = read_trace(paths["cpython"])
    k = t["t_ms"].index(at)
    first_reset = t["state"].index("RESET")
    bite_ms = t["t_ms"][first_reset]
    assert at < bite_ms <= at + WDT_MS + 50  # the watchdog bites within its timeout
    # The pump driver's own lease (device.py's Pump) turns the pump off once the loop has not commanded
    # it for PUMP_LEASE_MS; the valves stay as the loop left them until the watchdog resets.
    off = next(i for i in range(k, first_reset) if t["pump"][i] == 0)
    assert t["t_ms"][off] <= at + limits.PUMP_LEASE_MS + 25
    assert all(t["pump"][i] == 0 and t["in1"][i] == 1 for i in range(off, first_reset))
    assert all(t["pump"][i] == 0 for i in range(first_reset + 1, len(t["t_ms"])))  # then off ...
    assert all(t["out1"][i] == 1 for i in range(first_reset + 1, len(t["t_ms"])))  # ... and vented
    assert t["p1"][-1] < 5.0


def test_a_power_cut_floats_the_pins_then_the_chip_starts_again_idle(tmp_path):
    at = _first_fill_ms() + 500
    paths = _traces(tmp_path, "power-cycle", at)
    assert paths["cpython"].read_bytes() == paths["micropython"].read_bytes()
    t = read_trace(paths["cpython"])
    off = [i for i, s in enumerate(t["state"]) if s == "RESET"]
    assert len(off) == POWER_OFF_MS // 25 and t["t_ms"][off[0]] in (at, at + 25)
    assert all(t["pump"][i] == 0 and t["in1"][i] == 0 for i in off)  # no power: pump off, inlets shut
    after = t["state"][off[-1] + 1:]
    assert after[0] == "ZEROING" and "IDLE" in after
    assert "RUNNING" not in after  # a restart never resumes a session by itself
    assert all(t["pump"][i] == 0 for i in range(off[0], len(t["t_ms"])))


def test_board_faults_need_the_device_shell():
    with pytest.raises(ValueError, match="need the device shell"):
        run.simulate(shell="core", duration_s=1, plant_faults=[run.PlantFault("hang", 500, 0)])


@pytest.mark.parametrize("fault,message", [
    (run.PlantFault("melt", 0, 0), "unknown fault 'melt'; allowed: leak, "),
    (run.PlantFault("leak", 0, 4), "fault leak on chamber 5: board %s has chambers 1 to 4" % fw.DEFAULT_BOARD),
])
def test_a_fault_the_board_cannot_have_is_one_line(fault, message):
    with pytest.raises(ValueError) as info:
        run.simulate(duration_s=1, plant_faults=[fault])
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_a_power_cut_after_the_watchdog_reset_keeps_the_pins_safe(tmp_path):
    # The loop hangs, the watchdog resets the chip, then the supply drops too: the simulated
    # board has no firmware left to stop, its pins float to their pulls and boot.py vents again.
    at = _first_fill_ms() + 500
    for vm in run.VMS:
        rows = []
        run.simulate(duration_s=20, plant="large-leg", seed=5, vm=vm, on_tick=rows.append,
                     plant_faults=[run.PlantFault("hang", at, 0), run.PlantFault("power-cycle", at + WDT_MS + 500, 0)])
        cut = next(i for i, r in enumerate(rows) if r[0] >= at + WDT_MS + 500)
        assert rows[cut - 1][1] == "RESET" and rows[-1][0] >= 19000
        assert all(r[4] == 0 and all(r[8]) for r in rows[cut:])  # pump off, every chamber vented
