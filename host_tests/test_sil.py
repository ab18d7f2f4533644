"""Software in the loop: the unmodified firmware/boot.py + main.py and every driver, on the
simulated plant through the fake machine/time (tools/pulseboot/sil.py). Physical
outcomes only, read from the plant and the pins."""
import pathlib
import re

import pytest
from pulseboot import fw, sil, sim
from pulseboot.analysis import Recorder
from pulseboot.trace import TraceWriter, read_trace

PEAK_TOLERANCE_MMHG = 3.0
MAIN = fw.FIRMWARE / "main.py"


def targets_mmhg(chambers, program="gradient"):
    index = fw.programs.find(program)
    out = [0] * chambers
    fw.programs.fill_targets(index, chambers, fw.programs.PROGRAMS[index][fw.programs.LEVEL_DEFAULT], out)
    return [t / 10 for t in out]


@pytest.mark.parametrize("board", fw.board_names())
def test_three_minute_gradient_session_runs_the_real_main_on_each_board(board):
    n = fw.load_board(board)["chambers"]
    rec = Recorder(targets_mmhg(n))
    result = sil.run_sil(board, seed=1, duration_ms=180_000, on_tick=rec)
    assert result["ended"] == "duration" and result["sim_ms"] == 180_000
    assert result["faults"] == [] and result["crash_log"] == ""
    assert result["wdt_feeds"] > 6000  # armed at the first fill, fed every tick after
    cycles = rec.complete_cycles()
    assert len(cycles) >= (3 if n == 4 else 2)
    for c in cycles:
        assert c.fill_order() == list(range(n)), c.crossed_ms  # distal to proximal
        for i in range(n):
            assert abs(c.peak[i] - rec.targets[i]) <= PEAK_TOLERANCE_MMHG, (i, c.peak)
    w = result["world"]  # main.py's finally ran on the way out: pump off, all vented
    assert w.pump_duty() == 0 and w.inlet_open() == [0] * n and w.vent_open() == [1] * n


def test_drivers_are_transparent_sil_matches_the_core_only_sim_through_a_plant_fault():
    rows = {"sil": [], "sim": []}

    def keep(which):
        return lambda r: rows[which].append((*r[:5], list(r[5]), list(r[7]), list(r[8])))  # rows reuse lists

    leak = [sim.PlantFault("leak", 8_000, 0)]
    a = sil.run_sil(fw.DEFAULT_BOARD, seed=4, duration_ms=60_000, on_tick=keep("sil"), plant_faults=leak)
    b = sim.run(board=fw.DEFAULT_BOARD, seed=4, duration_s=60, on_tick=keep("sim"), plant_faults=leak)
    assert a["faults"] == b["faults"] and len(a["faults"]) == 1
    assert len(rows["sil"]) == len(rows["sim"]) == 2401
    for a, b in zip(rows["sil"], rows["sim"]):
        assert a[:5] == b[:5] and a[6:] == b[6:], (a, b)
        assert a[5] == pytest.approx(b[5], abs=0.01)  # 16-bit PWM: 60 % is 59.9997 %


def broken_copy(tmp_path, statement):
    """main.py with `statement` inserted right after the outputs are written in the loop."""
    src = MAIN.read_text()
    m = re.search(r"^( +)hw\.write\(ctrl\.pump.*\n", src, re.M)
    assert m, "main.py's loop no longer writes the outputs with hw.write(ctrl.pump, ...)"
    path = tmp_path / "main.py"
    path.write_text(src[:m.end()] + m.group(1) + statement + "\n" + src[m.end():])
    return path


def test_an_exception_in_the_loop_ends_in_the_safe_state_with_a_bounded_crash_log(tmp_path):
    flash = tmp_path / "flash"
    flash.mkdir()
    old = "".join("%d ms OSError: an old crash\n" % i for i in range(200))  # ~5 KB from an older firmware
    (flash / "crash.log").write_text(old)
    main = broken_copy(tmp_path, 'if ctrl.pump and ctrl.pressure[0] > 200: raise RuntimeError("injected fault")')
    trace = tmp_path / "trace.csv"
    with TraceWriter(trace, 4) as writer:
        result = sil.run_sil(fw.DEFAULT_BOARD, duration_ms=120_000, on_tick=writer, main_path=main,
                             flash_dir=flash, tail_ms=3000)
    assert result["ended"] == "reset"
    t = read_trace(trace)
    last = max(i for i, s in enumerate(t["state"]) if s != "RESET")
    first_reset = last + 1
    # Crashed mid-fill: pump on and chamber 1 fed in the last tick of the loop ...
    assert t["state"][last] == "RUNNING" and t["pump"][last] > 0 and t["in1"][last] == 1
    # ... and main.py's finally left every output safe before the reset.
    for i in range(first_reset, len(t["t_ms"])):
        assert t["pump"][i] == 0
        assert all(t["in%d" % c][i] == 0 and t["out%d" % c][i] == 1 for c in range(1, 5))
    assert t["p1"][first_reset] > 20.0 and t["p1"][-1] < 5.0  # and the chamber really vents
    log = result["crash_log"]
    assert len(log.encode()) <= 2048
    assert re.search(r"^\d+ ms RuntimeError: injected fault \(state RUNNING, fault 0\)$", log.splitlines()[-1])
    assert log.splitlines()[0].endswith("OSError: an old crash")  # old lines dropped whole, oldest first
    again = sil.run_sil(fw.DEFAULT_BOARD, duration_ms=120_000, main_path=main, flash_dir=flash)
    lines = again["crash_log"].splitlines()
    assert len(again["crash_log"].encode()) <= 2048 and sum("injected fault" in ln for ln in lines) == 2


def test_a_hung_loop_is_caught_by_the_watchdog_and_the_reboot_vents(tmp_path):
    main = broken_copy(tmp_path, "while ctrl.pump and ctrl.pressure[0] > 200: time.sleep_ms(25)")
    rows = []
    result = sil.run_sil(fw.DEFAULT_BOARD, duration_ms=120_000, on_tick=rows.append, main_path=main, tail_ms=2000)
    assert result["ended"] == "wdt" and result["crash_log"] == ""  # a bite leaves no log
    hung = [r for r in rows if r[1] != "RESET"]
    stuck_ms = sum(1 for r in hung if r[4] > 0 and r[7][0]) * 25
    assert stuck_ms >= 2000  # the pump kept running until the 2 s watchdog bit ...
    after = [r for r in rows if r[1] == "RESET"][1:]  # ... then the reset and boot.py
    assert after and all(r[4] == 0 and r[7] == [0] * 4 and r[8] == [1] * 4 for r in after)


def test_a_sensor_fault_latches_safe_and_the_loop_keeps_feeding_the_watchdog():
    rec = Recorder(targets_mmhg(8))
    result = sil.run_sil("esp32s3-8ch", duration_ms=60_000, on_tick=rec,
                         plant_faults=[sim.PlantFault("dead-sensor", 20_000, 2)])
    assert [f["code"] for f in result["faults"]] == ["SENSOR"]
    assert result["ended"] == "duration" and result["crash_log"] == ""
    assert rec.fault_rows > 1000 and rec.unsafe_fault_rows == 0  # read at the pins
    assert result["ctrl"].limiter.fault_chamber == 2
    assert result["world"].led_on() in (True, False)


def test_mode_held_at_power_up_leaves_outputs_safe_and_the_repl_free():
    result = sil.run_sil(fw.DEFAULT_BOARD, duration_ms=5000, presses=[sim.Press("mode", 0, True)])
    assert result["ended"] == "returned" and result["ticks"] == 0
    w = result["world"]
    assert w.pump_duty() == 0 and w.vent_open() == [1] * 4 and w.wdt is None


def test_main_py_stays_small():
    assert len(pathlib.Path(MAIN).read_text().splitlines()) < 150
