"""The core tests and the allocation check, run inside the real MicroPython interpreter."""
import pathlib
import re
import subprocess

from pulseboot import vm

HERE = pathlib.Path(__file__).resolve().parent
# An ESP32 running MicroPython has roughly 100 KB of free heap; give the VM less than that.
HEAPSIZE = "96k"


def micropython():
    return vm.tool("micropython")  # ToolMissing fails the test with the install hint


def run_vm(script, *args):
    return subprocess.run([micropython(), "-X", "heapsize=" + HEAPSIZE, str(script), *args],
                          check=False, capture_output=True, text=True, timeout=300)


def test_core_tests_pass_under_micropython():
    proc = run_vm(HERE / "core" / "run.py")
    last = proc.stdout.strip().splitlines()[-1]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    passed, failed = map(int, re.match(r"(\d+) passed, (\d+) failed", last).groups())
    assert failed == 0 and passed >= 40


def test_control_tick_allocates_nothing_under_heap_lock():
    proc = run_vm(HERE / "core" / "alloc.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fields = proc.stdout.split()
    figures = dict(zip(fields[::2], fields[1::2]))
    assert int(figures["ticks"]) > 14000  # two sessions: both regulators
    assert int(figures["steady_allocating_ticks"]) == 0
    assert int(figures["allocating_ticks"]) == 0
    assert int(figures["cycles"]) >= 1
