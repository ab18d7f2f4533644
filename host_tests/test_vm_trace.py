"""`pulseboot sim --vm micropython`: the firmware inside the MicroPython VM gives the same trace.

The plant stays in CPython. The unmodified main.py, its drivers and the fake board run in the
MicroPython unix port (tools/mp/sil_shell.py, driven by pulseboot.run.vm_link). Every
comparison is byte for byte. (The control core alone runs under MicroPython in the core
tests: test_micropython_vm.py.)
"""
import json
import os
import signal

import pytest
from pulseboot import cli, fw, installed, run
from pulseboot.run import device_shell, vm_link
from pulseboot.run.vm_process import VMError
from pulseboot.report.trace import TraceWriter, read_trace

DURATION_S = 90  # a full gradient wave with its release, and several recovery cycles


@pytest.fixture
def vm_starts(monkeypatch):
    """Which boards the VM started with: a test then knows the VM really ran."""
    starts = []
    run_in_vm = vm_link.run_in_vm

    def counting(job, rec, **kw):
        starts.append(job["board"]["name"])
        return run_in_vm(job, rec, **kw)

    monkeypatch.setattr(vm_link, "run_in_vm", counting)
    return starts


def sim_both(capsys, tmp_path, *args):
    """Run `pulseboot sim ARGS --trace --summary` under each VM; (trace bytes, summary) per VM."""
    out = {}
    for which in run.VMS:
        trace = tmp_path / f"{which}.csv"
        code = cli.main(["sim", *map(str, args), "--trace", str(trace), "--summary", "--vm", which])
        stdout, err = capsys.readouterr()
        assert code == 0, err
        summary = json.loads(stdout.strip().splitlines()[-1])
        del summary["wall_s"]
        out[which] = (trace.read_bytes(), summary)
    return out


def assert_identical(out):
    (c_trace, c_summary), (m_trace, m_summary) = out["cpython"], out["micropython"]
    assert len(c_trace) > 1000
    if c_trace != m_trace:  # name the first row that differs rather than dump two CSV files
        for i, (a, b) in enumerate(zip(c_trace.splitlines(), m_trace.splitlines())):
            assert a == b, f"row {i} differs:\ncpython     {a!r}\nmicropython {b!r}"
        assert len(c_trace) == len(m_trace)
    assert c_summary == m_summary


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("plant", ["small-leg", "large-leg"])
@pytest.mark.parametrize("program", ["gradient", "recovery"])
def test_trace_is_byte_identical_under_micropython(capsys, tmp_path, vm_starts, program, plant, seed):
    out = sim_both(capsys, tmp_path, "--program", program, "--plant", plant, "--seed", seed,
                   "--duration", DURATION_S)
    assert vm_starts == [fw.DEFAULT_BOARD]
    assert_identical(out)
    cols = read_trace(tmp_path / "cpython.csv")
    assert 1 in cols["in4"] and 1 in cols["in1"]  # the wave reached the most proximal chamber
    assert "RUNNING" in cols["state"] and set(cols["program"]) == {program}
    assert out["cpython"][1]["faults"] == [] and out["cpython"][1]["shell"] == "device"


def test_trace_is_identical_with_button_presses(capsys, tmp_path, vm_starts):
    # Pause, resume and a level change mid-session.
    out = sim_both(capsys, tmp_path, "--program", "gradient", "--duration", 60, "--seed", 2,
                   "--press", "start@0", "--press", "start@20", "--press", "start@25", "--press", "up@30")
    assert vm_starts == [fw.DEFAULT_BOARD]
    assert_identical(out)
    states = read_trace(tmp_path / "cpython.csv")["state"]
    assert "PAUSED" in states and states[-1] == "RUNNING"
    assert out["micropython"][1]["level_mmhg"] == 50.0


def test_trace_is_identical_across_a_stop_and_a_program_change(capsys, tmp_path, vm_starts):
    # Long START stops; MODE in IDLE moves to the next program, whose level then changes
    # (DOWN: recovery's 70 mmHg default may already be above what the sensor can read).
    out = sim_both(capsys, tmp_path, "--duration", 60, "--plant", "large-leg",
                   "--press", "start@0", "--press", "start@10:long", "--press", "mode@15",
                   "--press", "down@16", "--press", "down@17", "--press", "down@18", "--press", "start@19")
    assert_identical(out)
    cols = read_trace(tmp_path / "cpython.csv")
    assert "IDLE" in cols["state"] and cols["program"][-1] == "recovery"
    assert out["micropython"][1]["targets_mmhg"] == [55.0] * 4  # recovery at 70 - 3 x 5 mmHg


def test_trace_is_identical_on_the_eight_chamber_board(capsys, tmp_path, vm_starts):
    # The device shell drives this board's valves through two 74HC595s and reads eight HX710Bs.
    out = sim_both(capsys, tmp_path, "--board", "esp32s3-8ch", "--program", "recovery", "--duration", 45)
    assert vm_starts == ["esp32s3-8ch"]
    assert_identical(out)


def test_trace_is_identical_on_the_single_sensor_board(capsys, tmp_path, vm_starts):
    # One manifold sensor, pulse-and-read fills, venting through the shared exhaust.
    out = sim_both(capsys, tmp_path, "--board", "esp32-devkitc-4ch-manifold", "--duration", 70, "--plant",
                   "large-leg")
    assert vm_starts == ["esp32-devkitc-4ch-manifold"]
    assert_identical(out)


@pytest.mark.parametrize("kind,chamber,code", [("leak", 1, "LEAK"), ("dead-sensor", 3, "SENSOR")])
def test_trace_is_identical_through_a_plant_fault(tmp_path, vm_starts, kind, chamber, code):
    # A fault latches, a long START clears it, START runs again. dead-sensor sends the
    # no-reading marker (a negative value) through the pipe; on the device shell the
    # HX710B's DOUT then stays high.
    presses = [run.Press("start", 0, False), run.Press("start", 60000, True), run.Press("start", 70000, False)]
    summaries = {}
    for which in run.VMS:
        with TraceWriter(tmp_path / f"{which}.csv", 4) as writer:
            summaries[which] = run.simulate(program="gradient", duration_s=DURATION_S, plant="large-leg", seed=3,
                                       presses=presses, on_tick=writer, vm=which,
                                       plant_faults=[run.PlantFault(kind, 20000, chamber)])
    assert vm_starts == [fw.DEFAULT_BOARD]
    assert (tmp_path / "cpython.csv").read_bytes() == (tmp_path / "micropython.csv").read_bytes()
    assert summaries["cpython"] == summaries["micropython"]
    assert summaries["cpython"]["faults"][0]["code"] == code


def test_a_crash_in_main_py_is_the_same_safe_state_under_micropython(tmp_path, vm_starts):
    # The SIL proof, in both interpreters: an exception in a copy of main.py's loop, the
    # finally's safe state, the crash log, the reset, boot.py, and the chambers venting.
    from test_sil import broken_copy

    main = broken_copy(tmp_path, 'if ctrl.pump and ctrl.pressure[0] > 200: raise RuntimeError("injected fault")')
    logs = {}
    for which in run.VMS:
        flash = tmp_path / which
        flash.mkdir()
        with TraceWriter(tmp_path / f"{which}.csv", 4) as writer:
            result = sim_sil(main, flash, writer, which)
        assert result["ended"] == "reset"
        logs[which] = result["crash_log"]
    assert vm_starts == [fw.DEFAULT_BOARD]
    assert (tmp_path / "cpython.csv").read_bytes() == (tmp_path / "micropython.csv").read_bytes()
    assert logs["cpython"] == logs["micropython"] and "RuntimeError: injected fault" in logs["cpython"]
    t = read_trace(tmp_path / "micropython.csv")
    first = t["state"].index("RESET")
    assert t["pump"][first - 1] > 0 and t["in1"][first - 1] == 1  # crashed mid-fill ...
    assert all(t["pump"][i] == 0 and t["out1"][i] == 1 for i in range(first, len(t["state"])))  # ... then safe
    assert t["p1"][-1] < 5.0


def sim_sil(main, flash, writer, which):
    return device_shell.run_device(fw.DEFAULT_BOARD, duration_ms=30_000, on_tick=writer, main_path=main,
                                   flash_dir=flash, tail_ms=3000, vm=which)


# ---- the link itself -----------------------------------------------------------------------


def test_the_core_shell_is_not_offered_in_the_vm(capsys):
    # The core's own tests run under MicroPython (test_micropython_vm.py); in the simulator
    # the VM runs the whole device, so asking for the core there is a one-line usage error.
    code = cli.main(["sim", "--vm", "micropython", "--shell", "core", "--duration", "1"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--vm micropython runs the device shell" in err


def test_unknown_vm_is_a_one_line_usage_error(capsys):
    code = cli.main(["sim", "--vm", "pypy"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == "pulseboot sim: unknown vm 'pypy'; allowed: cpython, micropython\n"
    code = cli.main(["sim", "--vm"])
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "--vm needs a value" in err and "micropython" in err
    with pytest.raises(ValueError, match=r"^unknown vm 'x'; allowed: cpython, micropython$"):
        run.simulate(vm="x", duration_s=1)


def test_a_dying_vm_is_one_line_with_its_stderr(capsys, tmp_path, monkeypatch):
    script = tmp_path / "dies.py"
    script.write_text("import sys\nsys.stdin.readline()\nraise OSError('bench power cut')\n")
    monkeypatch.setattr(vm_link, "SHELL", script)
    with pytest.raises(VMError, match=r"at start-up.*OSError: bench power cut") as info:
        run.simulate(vm="micropython", duration_s=1)
    assert "\n" not in str(info.value)
    code = cli.main(["sim", "--vm", "micropython", "--duration", "1"])
    _out, err = capsys.readouterr()
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("pulseboot sim: MicroPython VM exited with status 1") and "bench power cut" in err


def test_a_vm_killed_mid_run_is_reported_with_the_tick(monkeypatch):
    send = vm_link._Link.send
    frames = []

    def send_then_kill(self, data):
        frames.append(data)
        if len(frames) == 40:  # some ticks into the run
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        send(self, data)

    monkeypatch.setattr(vm_link._Link, "send", send_then_kill)
    with pytest.raises(VMError, match=r"exited with status -9 at tick \d+ "):
        run.simulate(vm="micropython", duration_s=5)


def test_a_vm_dying_mid_run_on_the_device_shell_is_reported_with_the_tick(tmp_path):
    from test_sil import broken_copy

    main = broken_copy(tmp_path, "if ctrl.pump: sys.exit(3)")  # SystemExit: past main.py's except
    with pytest.raises(VMError, match=r"^MicroPython VM exited with status 3 at tick \d+ \(no reply\)"):
        device_shell.run_device(fw.DEFAULT_BOARD, duration_ms=10_000, main_path=main, vm="micropython")


def test_missing_micropython_is_one_line(capsys, monkeypatch):
    def missing(name):
        raise installed.ToolMissing("%s not found; install it with: %s" % (name, installed.HINT[name]))

    monkeypatch.setattr(vm_link.installed, "tool", missing)
    code = cli.main(["sim", "--vm", "micropython", "--duration", "1"])
    _out, err = capsys.readouterr()
    assert code == 1 and err.count("\n") == 1
    assert "micropython not found" in err and "pip install" in err


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux only")
def test_the_run_gives_the_thread_its_cpus_back():
    before = os.sched_getaffinity(0)
    run.simulate(vm="micropython", duration_s=2)
    assert os.sched_getaffinity(0) == before
