"""The core tests and the allocation check, run inside the real MicroPython interpreter."""
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest
from pulseboot import bench, build, fw, installed

HERE = pathlib.Path(__file__).resolve().parent
# An ESP32 running MicroPython has roughly 100 KB of free heap; give the VM less than that.
HEAPSIZE = "96k"


def micropython():
    return installed.tool("micropython")  # ToolMissing fails the test with the install hint


def run_vm(script, *args, heapsize=HEAPSIZE):
    return subprocess.run([micropython(), "-X", "heapsize=" + heapsize, str(script), *args],
                          check=False, capture_output=True, text=True, timeout=300)


def test_core_tests_pass_under_micropython(tmp_path):
    # Against the build the device runs: the .mpy modules, loaded without compiling. The tests
    # themselves compile from source inside the VM, their parse trees and fixtures beside the
    # firmware: at 96 KB the heap's fragmentation failed a settings test for some lengths of
    # the temporary path (1 in 6); 128 KB passes every length tried. The device's own heap is
    # held by the start-up budget test below.
    lib = build.build(fw.DEFAULT_BOARD, tmp_path / "build") / "lib"
    proc = run_vm(HERE / "core" / "run.py", "--lib", str(lib), heapsize="128k")
    last = proc.stdout.strip().splitlines()[-1]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    passed, failed = map(int, re.match(r"(\d+) passed, (\d+) failed", last).groups())
    assert failed == 0 and passed >= 40


def test_control_tick_allocates_nothing_under_heap_lock():
    # Compiled from source here (the device loads .mpy, whose start-up heap the budget test
    # below holds), so the compiler needs room: the check is of the tick, not of the heap's size.
    proc = run_vm(HERE / "core" / "alloc.py", heapsize=bench.HEAPSIZE_ALLOC)  # as `pulseboot bench` runs it
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fields = proc.stdout.split()
    figures = dict(zip(fields[::2], fields[1::2]))
    assert int(figures["ticks"]) > 30000  # two sessions (both regulators), then every program
    assert int(figures["steady_allocating_ticks"]) == 0
    assert int(figures["allocating_ticks"]) == 0
    assert int(figures["cycles"]) >= 1


def test_the_tick_timing_runs_as_pulseboot_bench_runs_it():
    # An 8-chamber core compiled from source in the VM, started and timed for a few hundred ticks:
    # at 96 KB the compiler ran out of heap as the limiter grew, and `pulseboot bench` failed.
    proc = run_vm(bench.ROOT / "tools" / "mp" / "bench_tick.py", str(bench.ROOT), "400", heapsize=bench.HEAPSIZE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fields = proc.stdout.split()
    figures = dict(zip(fields[::2], fields[1::2]))
    assert figures["state"] == "RUNNING" and int(figures["ticks"]) == 400
    assert 0 < int(figures["tick_us_median"]) and int(figures["heap_after_init_core_bytes"]) > 0


@pytest.mark.parametrize("board", fw.board_names())
def test_start_up_fits_the_heap_budget_and_leaves_only_what_the_loop_uses(board):
    # Not a timing: the heap after start-up is deterministic for a given interpreter, so a
    # change that breaks the budget fails here, not only in `pulseboot bench`.
    fields = bench.startup(board)
    assert fields["state"] == "ZEROING"  # main.py reached its control loop
    assert int(fields["heap_after_init_bytes"]) <= bench.heap_budget(board), fields  # 48 KB, 64 KB on an S3
    modules = set(fields["modules"].split(","))
    assert {"controller", "device", "limiter", "scheduler", "settings_io", "led"} <= modules
    # Start-up-only code was dropped: the board file, its wiring, topology, the settings file code.
    left = {m for m in modules if m in ("wiring", "topology", "settings", "crashlog", "boot", "boards")
            or m.startswith("boards.")}
    assert not left, left
    # The constant tables are folded into the loop's modules by the build (const_fold.py).
    assert not {"limits", "faults"} & modules



def test_start_up_heap_figure_does_not_depend_on_where_the_files_lie():
    # The collector is conservative: a stale stack word pointing at a dropped object kept 1.7 KB
    # alive when the repo was at /check/work/main (16 characters) and the build at
    # /tmp/pulseboot-bench-xxxxxxxx (29): the stack's contents follow the lengths of the paths in
    # argv. bench_heap.py scrubs the stack before it measures. Those lengths again (the repo's
    # tools/ reached through a link), against the same build measured from the repo itself.
    base = pathlib.Path(tempfile.mkdtemp(prefix="", dir="/tmp"))  # /tmp/xxxxxxxx
    try:
        root = base / ("r" * (15 - len(str(base))))
        root.mkdir()
        (root / "tools").symlink_to(fw.ROOT / "tools")
        script = root / "toolz" / "mp" / "bench_heap.py"
        script.parent.mkdir(parents=True)
        script.write_text((fw.ROOT / "tools" / "mp" / "bench_heap.py").read_text())
        out = build.build("esp32-devkitc-4ch-manifold", root / ("b" * (28 - len(str(root)))))
        assert (len(str(root)), len(str(script)), len(str(out))) == (16, 39, 29)
        figures = []
        for script_path, repo in ((script, root), (fw.ROOT / "tools" / "mp" / "bench_heap.py", fw.ROOT)):
            proc = run_vm(script_path, str(repo), str(out), heapsize=bench.HEAPSIZE_STARTUP)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            figures.append(int(proc.stdout.split("heap_after_init_bytes ")[1].split()[0]))
    finally:
        shutil.rmtree(base)
    assert abs(figures[0] - figures[1]) <= 256, figures
