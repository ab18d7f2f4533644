"""`pulseboot monitor`: the firmware's telemetry lines, read from a serial port, become the
live view's frames and a trace in the simulator's format (true pressures empty)."""
import os
import pty
import subprocess
import sys
import threading
import tty

import pytest
from pulseboot import cli
from pulseboot.report.trace import read_trace
from pulseboot.run.bench_link import Bench

import telemetry

PULSEBOOT = os.path.join(os.path.dirname(sys.executable), "pulseboot")


class Ctrl:
    """What a Controller shows the telemetry writer, moved by hand."""

    def __init__(self, n=4, state=2, fault=0):
        self.state, self.program, self.fault, self.pump, self.cycles = state, 0, fault, 100, 2
        self.pressure = [300] + [0] * (n - 1)
        self.inlet = [1] + [0] * (n - 1)
        self.vent = [0] + [1] * (n - 1)
        self.session_left_ms, self.session_ms = 1_000_000, 1_800_000

    def level_in_use(self):
        return 450


def stream(ctrl, lines):
    out = []
    tm = telemetry.Telemetry(lambda buf: out.append(bytes(buf)), len(ctrl.pressure))
    for k in range(lines * tm.every):
        ctrl.pressure[0] = 300 + k
        tm.tick(25, ctrl)
    return b"".join(out)


def test_lines_become_rows_and_frames():
    rows = []
    bench = Bench(None, on_row=rows.append)
    bench.feed(stream(Ctrl(8), 20))
    assert len(rows) == 20 and bench.reader.chambers == 8
    frame = bench.snapshot()
    assert frame.state == "RUNNING" and frame.program == "gradient" and frame.pressure_mmhg is None
    assert frame.reading_mmhg[0] == pytest.approx(31.9) and frame.modes[:2] == ["fill", "vent"]  # the last line's
    assert frame.target_mmhg[0] == 45.0 and frame.session_ms == 1_800_000 and frame.cycles == 2
    assert frame.led  # RUNNING: steady on, as led.py plays it


def test_a_fault_flashes_the_led_as_the_board_does():
    bench = Bench(None)
    lit = []
    for line in stream(Ctrl(state=4, fault=1), 40).splitlines(keepends=True):  # 4 s of a SENSOR fault
        bench.feed(line)
        lit.append(bench.snapshot().led)  # one short flash, then a pause, again and again
    assert any(lit) and not all(lit)
    assert bench.snapshot().state == "FAULT" and bench.snapshot().fault == "SENSOR"


def _pty():
    master, slave = pty.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)  # a full pty buffer (nobody reading yet) drops lines, as a port would
    return master, slave, os.ttyname(slave)


def _send(master, data):
    try:
        os.write(master, data)
    except BlockingIOError:
        pass


def test_monitor_records_a_stream_from_a_serial_port(tmp_path):
    master, slave, name = _pty()
    done = threading.Event()

    def board():  # writes lines until the monitor is done, so it cannot miss the start
        ctrl = Ctrl()
        tm = telemetry.Telemetry(lambda buf: _send(master, bytes(buf)), 4)
        _send(master, b"settings reset: no settings file, defaults used\r\n")
        k = 0
        while not done.is_set():
            ctrl.pressure[0] = 300 + k % 100
            tm.tick(25, ctrl)
            k += 1
            done.wait(0.002)

    writer = threading.Thread(target=board, daemon=True)
    writer.start()
    trace = tmp_path / "bench.csv"
    try:
        proc = subprocess.run([PULSEBOOT, "monitor", "--port", name, "--duration", "1", "--trace", str(trace),
                               "--plot", str(tmp_path / "bench.png")],
                              check=False, capture_output=True, text=True, timeout=60)
    finally:
        done.set()
        writer.join()
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0, proc.stderr
    assert "telemetry lines" in proc.stdout  # a line cut where the pty was full is skipped, as on a port
    t = read_trace(trace)
    assert len(t["t_ms"]) >= 5 and t["t_ms"][0] == 0 and t["t_ms"] == sorted(t["t_ms"])
    assert set(t["state"]) == {"RUNNING"} and t["in1"][0] == 1 and t["out2"][0] == 1
    assert all(30.0 <= s <= 39.9 for s in t["s1"])
    assert (tmp_path / "bench.png").stat().st_size > 10_000


def test_a_damaged_stream_is_skipped_and_counted(tmp_path):
    good = stream(Ctrl(), 10)
    bad = good[:50] + b"\x00\xff\xfe" + good[55:200] + b"PB1,0000000100,9,99,zzzz*00\n" + good[200:]
    rows = []
    bench = Bench(None, on_row=rows.append)
    for k in range(0, len(bad), 7):
        bench.feed(bad[k:k + 7])
    assert bench.reader.skipped >= 2 and 0 < len(rows) < 10


@pytest.mark.parametrize("args,words,code", [
    ([], ["--port is required"], 2),
    (["--port", "/dev/ttyNOPE9"], ["no serial port '/dev/ttyNOPE9'", "serial ports found"], 1),
    (["--port", "/dev/null", "--duration", "0"], ["--duration '0'", "> 0"], 2),
    (["--port", "/dev/null", "--baud", "fast"], ["--baud 'fast'", "whole number"], 2),
    (["--port", "/dev/null", "--plot", "x.gif"], ["--plot 'x.gif'"], 2),
])
def test_a_wrong_option_is_one_line(capsys, args, words, code):
    assert cli.main(["monitor", *args]) == code
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("pulseboot monitor: ")
    for w in words:
        assert w in err


def test_monitor_reads_the_firmware_itself_through_a_serial_port(tmp_path):
    # The unmodified main.py in the MicroPython VM (the device shell) writes its telemetry on
    # its stdout, the board's serial port; those very bytes go through a pseudo-terminal.
    from pulseboot import fw
    from pulseboot.run import device_shell

    result = device_shell.run_device(fw.DEFAULT_BOARD, duration_ms=20_000, vm="micropython")
    serial = result["serial"]
    assert serial.count(b"PB1,") > 100 and b"PB1," not in result["console"].encode()
    master, slave, name = _pty()
    done = threading.Event()

    def board():
        while not done.is_set():
            for k in range(0, len(serial), 512):
                _send(master, serial[k:k + 512])
                if done.wait(0.001):
                    return

    writer = threading.Thread(target=board, daemon=True)
    writer.start()
    trace = tmp_path / "device.csv"
    try:
        proc = subprocess.run([PULSEBOOT, "monitor", "--port", name, "--duration", "1.5", "--trace", str(trace)],
                              check=False, capture_output=True, text=True, timeout=60)
    finally:
        done.set()
        writer.join()
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0, proc.stderr
    t = read_trace(trace)
    assert "RUNNING" in t["state"] and max(t["s1"]) > 30.0  # the first chamber filling, as the firmware saw it
    assert set(t["program"]) == {"gradient"} and len(t["s4"]) == len(t["t_ms"])
