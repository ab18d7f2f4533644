"""Software in the loop: the unmodified firmware/boot.py + main.py and every driver, on the
simulated plant through the fake machine/time (tools/pulseboot/run/device_shell.py). Physical
outcomes only, read from the plant and the pins."""
import pathlib
import sys
import re

import buttons
import faults
import led
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulseboot import fw, run
from pulseboot.fakeboard.world import World
from pulseboot.run import device_shell
from pulseboot.report.analysis import Recorder
from pulseboot.report.trace import TraceWriter, read_trace

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
    rec = Recorder()
    result = device_shell.run_device(board, seed=1, duration_ms=180_000, on_tick=rec)
    assert result["ended"] == "duration" and result["sim_ms"] == 180_000
    assert result["faults"] == [] and result["crash_log"] == ""
    assert result["wdt_feeds"] > 6000  # armed at the first fill, fed every tick after
    cycles = rec.complete_cycles()
    # (zeroing, the garment check at START and letting its air out take some 5 s of the three
    # minutes: the single-sensor build, slower to fill, completes its third wave just after)
    assert len(cycles) >= (3 if n == 4 and fw.load_board(board).get("sensor_at") != "manifold" else 2)
    for c in cycles:
        assert c.fill_order() == list(range(n)), c.crossed_ms  # distal to proximal
        for i in range(n):
            assert abs(c.peak[i] - targets_mmhg(n)[i]) <= PEAK_TOLERANCE_MMHG, (i, c.peak)
    w = result["world"]  # main.py's finally ran on the way out: pump off, all vented
    assert w.pump_duty() == 0 and w.inlet_open() == [0] * n and w.vent_open() == [1] * n


def test_drivers_are_transparent_sil_matches_the_core_only_sim_through_a_plant_fault():
    rows = {"sil": [], "sim": []}

    def keep(which):
        return lambda r: rows[which].append((*r[:5], list(r[5]), list(r[7]), list(r[8])))  # rows reuse lists

    leak = [run.PlantFault("leak", 8_000, 0)]
    a = device_shell.run_device(fw.DEFAULT_BOARD, seed=4, duration_ms=60_000, on_tick=keep("sil"), plant_faults=leak)
    b = run.simulate(board=fw.DEFAULT_BOARD, seed=4, duration_s=60, on_tick=keep("sim"), plant_faults=leak,
                     shell="core")
    assert b["shell"] == "core"
    assert a["faults"] == b["faults"] and len(a["faults"]) == 1
    assert len(rows["sil"]) == len(rows["sim"]) == 2401
    for a, b in zip(rows["sil"], rows["sim"]):
        # 16-bit PWM: 60 % is 59.9997 %. Now and then that moves a reading across its last digit,
        # and the pump's duty near the target (which follows the reading) by one.
        assert a[:4] == b[:4] and abs(a[4] - b[4]) <= 1 and a[6:] == b[6:], (a, b)
        assert a[5] == pytest.approx(b[5], abs=0.01)


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
        result = device_shell.run_device(fw.DEFAULT_BOARD, duration_ms=120_000, on_tick=writer, main_path=main,
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
    again = device_shell.run_device(fw.DEFAULT_BOARD, duration_ms=120_000, main_path=main, flash_dir=flash)
    lines = again["crash_log"].splitlines()
    assert len(again["crash_log"].encode()) <= 2048 and sum("injected fault" in ln for ln in lines) == 2


def test_a_hung_loop_is_caught_by_the_watchdog_and_the_reboot_vents(tmp_path):
    main = broken_copy(tmp_path, "while ctrl.pump and ctrl.pressure[0] > 200: time.sleep_ms(25)")
    rows = []
    result = device_shell.run_device(fw.DEFAULT_BOARD, duration_ms=120_000, on_tick=rows.append, main_path=main,
                                     tail_ms=2000)
    assert result["ended"] == "wdt" and result["crash_log"] == ""  # a bite leaves no log
    hung = [r for r in rows if r[1] != "RESET"]
    stuck_ms = sum(1 for r in hung if r[4] > 0 and r[7][0]) * 25
    assert stuck_ms >= 2000  # the pump kept running until the 2 s watchdog bit ...
    after = [r for r in rows if r[1] == "RESET"][1:]  # ... then the reset and boot.py
    assert after and all(r[4] == 0 and r[7] == [0] * 4 and r[8] == [1] * 4 for r in after)


def test_a_sensor_fault_latches_safe_and_the_loop_keeps_feeding_the_watchdog(monkeypatch):
    leds = []  # (ms, LED lit) at the end of every tick

    class Watched(World):
        def sleep_ms(self, ms):
            leds.append((self.clock.elapsed_ms, self.led_on()))
            super().sleep_ms(ms)

    monkeypatch.setattr(device_shell, "World", Watched)
    rec = Recorder()
    result = device_shell.run_device("esp32s3-8ch", duration_ms=60_000, on_tick=rec,
                         plant_faults=[run.PlantFault("dead-sensor", 20_000, 2)])
    # SENSOR (no fresh reading), or NO_RISE first when its chamber is fed as it dies (the last
    # reading, frozen, does not rise).
    [code] = [f["code"] for f in result["faults"]]
    assert code in ("SENSOR", "NO_RISE")
    assert result["ended"] == "duration" and result["crash_log"] == ""
    assert rec.fault_rows > 1000 and rec.unsafe_fault_rows == 0  # read at the pins
    assert result["ctrl"].limiter.fault_chamber == 2
    # The LED: steady on while running, then the fault's pattern (led.FAULT_* figures) from the
    # tick the fault latched: as many 150 ms flashes as its code, then dark to the end of the period.
    fault_ms = result["faults"][0]["t_ms"]
    flashes = faults.NAMES.index(code)
    assert all(on for t, on in leds if fault_ms - 5000 <= t < fault_ms)
    step = led.FAULT_ON_MS + led.FAULT_OFF_MS
    period = flashes * step + led.FAULT_PAUSE_MS
    after = [(t, on) for t, on in leds if t >= fault_ms]
    assert len(after) > 1000 and after[0] == (fault_ms, True)
    assert all(on == ((t - fault_ms) % period // step < flashes and (t - fault_ms) % period % step < led.FAULT_ON_MS)
               for t, on in after), after[:100]


def test_mode_held_at_power_up_leaves_outputs_safe_and_the_repl_free():
    result = device_shell.run_device(fw.DEFAULT_BOARD, duration_ms=5000, presses=[run.Press("mode", 0, True)])
    hold_ticks = buttons.MAINTENANCE_HOLD_MS // 25
    assert result["ended"] == "returned" and hold_ticks - 2 <= result["ticks"] <= hold_ticks  # the hold, then out
    w = result["world"]
    assert w.pump_duty() == 0 and w.vent_open() == [1] * 4 and w.wdt is None


def test_main_py_stays_small():
    assert len(pathlib.Path(MAIN).read_text().splitlines()) < 150


# ---- `pulseboot sim`'s default shell ---------------------------------------------------------


def rows_of(**kw):
    rows = []
    summary = run.simulate(on_tick=lambda r: rows.append((*r[:5], list(r[5]), list(r[6]), list(r[7]), list(r[8]))),
                           **kw)
    return summary, rows


@pytest.mark.parametrize("board,program", [("esp32-devkitc-4ch", "recovery"), ("esp32s3-8ch", "gradient")])
def test_the_device_shell_is_the_default_and_drives_what_the_core_commands(board, program):
    # Program and level reach main.py through settings.json on the simulated flash, as on
    # the device; the drivers add nothing of their own: same states, pump and valves as
    # the core shell, tick for tick.
    kw = dict(board=board, program=program, level_mmhg=55, duration_s=75, plant="large-leg", seed=5)
    device, d_rows = rows_of(**kw)
    core, c_rows = rows_of(shell="core", **kw)
    assert device.pop("shell") == "device" and core.pop("shell") == "core"
    assert device == core and device["level_mmhg"] == 55
    assert len(d_rows) == len(c_rows) == 3001
    for d, c in zip(d_rows, c_rows):
        assert d[:4] == c[:4] and d[7:] == c[7:], (d, c)
        assert d[4] == c[4] or abs(d[4] - c[4]) <= 1  # 16-bit PWM, back to whole %
        assert d[5] == pytest.approx(c[5], abs=0.01)
    assert {r[2] for r in d_rows} == {program}
    assert any(r[7][-1] for r in d_rows)  # the wave reached the most proximal chamber


def test_the_device_shell_ends_on_the_last_tick_the_core_shell_has():
    device, d_rows = rows_of(duration_s=10.01)
    core, c_rows = rows_of(duration_s=10.01, shell="core")
    assert [r[0] for r in d_rows] == [r[0] for r in c_rows] and d_rows[-1][0] == 10_000
    assert device["sim_s"] == core["sim_s"] == 10.0


def test_the_device_shell_boots_from_a_board_file_only():
    b = dict(fw.load_board(fw.DEFAULT_BOARD), chambers=5, name="test-5ch")
    with pytest.raises(ValueError, match=r"boots from a board file.*shell .core."):
        run.simulate(board_def=b, duration_s=1, shell="device")
    with pytest.raises(ValueError, match=r"^unknown shell 'fpga'; allowed: device, core$"):
        run.simulate(duration_s=1, shell="fpga")
    assert run.simulate(board_def=b, duration_s=1)["shell"] == "core"  # a board dict: the core by default


def test_after_a_crash_the_trace_runs_on_to_the_end_in_the_safe_state(tmp_path):
    main = broken_copy(tmp_path, 'if ctrl.pump and ctrl.pressure[0] > 200: raise RuntimeError("injected fault")')
    rows = []
    result = device_shell.run_device(fw.DEFAULT_BOARD, duration_ms=20_000, on_tick=rows.append, main_path=main,
                                     end_ms=20_000)
    assert result["ended"] == "reset" and result["final"]["state"] == "RESET"
    assert [r[0] for r in rows] == list(range(0, 20_001, 25))  # one row per tick, none missing
    after = [r for r in rows if r[1] == "RESET"]
    assert after and all(r[4] == 0 and r[7] == [0] * 4 and r[8] == [1] * 4 for r in after)


def test_mode_held_at_power_up_runs_on_as_the_repl_would():
    rows = []
    result = device_shell.run_device(fw.DEFAULT_BOARD, duration_ms=4000, presses=[run.Press("mode", 0, True)],
                                     on_tick=rows.append, end_ms=4000)
    assert result["ended"] == "returned"
    repl = [r for r in rows if r[1] == "REPL"]
    assert repl and repl[-1][0] == 4000 and repl[0][0] <= buttons.MAINTENANCE_HOLD_MS + 25
    assert all(r[1] != "REPL" for r in rows[:len(rows) - len(repl)])  # the hold, then only the REPL
    assert all(r[4] == 0 and r[7] == [0] * 4 and r[8] == [1] * 4 for r in rows)  # safe throughout
    assert "MODE held at start" in result["console"]


@pytest.mark.parametrize("hold_ms", [150, 1500, 2000, 3000])
def test_both_shells_agree_on_a_mode_press_at_power_on(hold_ms):
    # Only a hold of MAINTENANCE_HOLD_MS enters maintenance mode; a shorter one is swallowed
    # by both shells alike, never taken as a program change.
    traces = {}
    for shell in run.SHELLS:
        rows = traces[shell] = []
        summary = run.simulate(duration_s=8, shell=shell, presses=[run.Press("mode", 0, hold_ms)],
                               on_tick=lambda r, rows=rows: rows.append((*r[:3], r[4], tuple(r[7]), tuple(r[8]))))
        assert summary["program"] == "gradient"
    assert traces["device"] == traces["core"]
    states = [r[1] for r in traces["core"]]
    assert ("REPL" in states) == (hold_ms >= buttons.MAINTENANCE_HOLD_MS)
    assert "RUNNING" not in states  # no START was pressed


# ---- the fakes are the same in both interpreters -------------------------------------------


@given(st.lists(st.integers(0, (1 << 24) - 1), min_size=1, max_size=12))
def test_the_fast_hx710b_rows_are_the_plain_ones(words):
    # CPython splits words into DOUT rows with C string operations; MicroPython (and
    # fake_parts.bit_rows) with integer arithmetic. Both must give the same levels.
    from pulseboot.fakeboard import parts as fake_parts, world as fakes

    encode, converting, rows = fakes.CODEC
    assert converting == encode((1 << 24) - 1)
    fast = rows([encode(w) for w in words])
    assert [list(r) for r in fast] == fake_parts.bit_rows(words)


def test_boot_py_run_as_on_the_chip_leaves_no_code_behind_for_main_py(capsys):
    # On the chip boot.py and main.py share __main__'s globals: what boot.py ran once must go.
    glob = {"__name__": "__main__"}
    w = World(fw.load_board(fw.DEFAULT_BOARD))
    saved = sys.modules.get("machine")
    sys.modules["machine"] = w.machine
    try:
        exec(compile((fw.FIRMWARE / "boot.py").read_text(), "boot.py", "exec"), glob)
    finally:
        if saved is None:
            sys.modules.pop("machine")
        else:
            sys.modules["machine"] = saved
    assert "safe_outputs" not in glob
    assert "boot: no board" in capsys.readouterr().out  # it did run: this machine has no /board.txt
