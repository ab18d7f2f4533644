"""The device shell: the unmodified firmware/boot.py and main.py, with their drivers, on the
fake board (pulseboot.fakeboard) backed by the simulated plant. `pulseboot sim`'s default.

run_device() builds a flash directory (board.txt, and settings.json or any other file it
is given), then lives the device's life (fakeboard/lifecycle.py: boot.py, main.py, what
follows a reset) and reports every control tick to the Recorder, with pump, inlet and
vent read back from the pins (what the drivers really drove) and the state, program,
fault and belief from the Controller main.py built (main.ctrl).

vm="cpython" runs the firmware in this process; vm="micropython" runs the same firmware,
fakes and lifecycle inside the MicroPython unix port (tools/mp/sil_shell.py, driven by
vm_link.py); the plant stays here. Both give the same rows, byte for byte in a trace.
"""
import contextlib
import importlib.util
import io
import os
import pathlib
import shutil
import sys
import tempfile
import time as _wall

from pulseboot import fw
from pulseboot.fakeboard import lifecycle
from pulseboot.fakeboard.clock import VirtualClock
from pulseboot.fakeboard.world import World
from pulseboot.plant import analog
from pulseboot.run.scenario import Recorder, Scenario, final_state, inject_due, pump_percent

MAIN = fw.FIRMWARE / "main.py"
BOOT = fw.FIRMWARE / "boot.py"


def load_file(path, name):
    """Import a firmware file by its path, as a module of its own under this name."""
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_device(board_name=fw.DEFAULT_BOARD, plant_params=None, seed=0, duration_ms=180000, presses=None,
               on_tick=None, main_path=None, boot_path=None, flash_dir=None, flash_files=None, tail_ms=1000,
               plant_faults=(), vm="cpython", end_ms=None):
    """Run the device firmware on the plant; returns a dict:
    ended: 'duration', 'reset' / 'wdt' / 'soft' (the board was reset), 'returned' (main() returned);
    sim_ms, ticks, wall_s; faults: [{code, t_ms}] as the controller latched them; targets: the
    last wave's peak targets (dmmHg); final: the controller at the end (state, program, cycles,
    hard_limit, levels; None if main.py never built one); crash_log: the log's text; console:
    what the firmware printed (also shown on stdout); wdt_feeds; flash_dir (None if it was a
    temporary one); world (the fakes) and ctrl (main.ctrl), both None under MicroPython;
    recorder: the Recorder.

    presses: Press records, default one START tap at 0 ms; plant_faults: PlantFault records.
    flash_files: {name: text} written into the flash directory beside board.txt.
    end_ms: after a reset or a return, run the plant on up to this time instead of tail_ms.
    """
    board = fw.load_board(board_name)
    scenario = Scenario(board, 0, 0, duration_ms, plant_params, seed, presses, plant_faults)
    return _run(scenario, on_tick, vm, flash_dir, flash_files, tail_ms, end_ms, main_path, boot_path)


def _run(scenario, on_tick, vm, flash_dir=None, flash_files=None, tail_ms=1000, end_ms=None, main_path=None,
         boot_path=None):
    if vm not in ("cpython", "micropython"):
        raise ValueError("unknown vm %r; allowed: cpython, micropython" % (vm,))
    board = scenario.board_def
    plant = scenario.plant()
    pending = list(scenario.plant_faults)
    inject_due(pending, 0, plant)  # at power-on, before the firmware reads anything
    temporary = flash_dir is None
    root = tempfile.mkdtemp(prefix="pulseboot-flash-") if temporary else str(flash_dir)
    rec = Recorder(plant, board["chambers"], on_tick, scenario.on_event)
    job = {"board": board, "plant": plant, "spans": scenario.spans, "pending": pending, "root": root,
           "main": str(main_path or MAIN), "boot": str(boot_path or BOOT), "stop_ms": scenario.duration_ms,
           "tail_ms": tail_ms, "end_ms": end_ms, "seed": scenario.seed}
    wall = _wall.perf_counter()
    try:
        pathlib.Path(root, "board.txt").write_text(board["name"] + "\n")
        for name, text in dict(analog.flash_files(plant), **(flash_files or {})).items():
            pathlib.Path(root, name).write_text(text)
        if vm == "micropython":
            from pulseboot.run.vm_link import run_in_vm

            result = run_in_vm(job, rec)
            sys.stdout.write(result["console"])  # as the firmware printed it, after the run
        else:
            result = _run_here(job, rec)
        result["wall_s"] = _wall.perf_counter() - wall
        log = os.path.join(root, "crash.log")
        result["crash_log"] = pathlib.Path(log).read_text() if os.path.exists(log) else ""
    finally:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
    result.update(ticks=rec.ticks, faults=rec.faults, targets=rec.targets, recorder=rec,
                  flash_dir=None if temporary else root)
    return result


class _Tee(io.StringIO):
    """The firmware's console: shown on stdout as it prints, and kept."""

    def __init__(self, out):
        super().__init__()
        self._echo = out

    def write(self, text):
        self._echo.write(text)
        return super().write(text)


def _run_here(job, rec):
    """The firmware in this interpreter, on the fake board."""
    board, plant = job["board"], job["plant"]
    clock = VirtualClock()
    world = World(board, plant, clock, job["spans"], seed=job["seed"])
    world.stop_ms = job["stop_ms"]
    pending = job["pending"]

    def inject():
        # At the start of a tick, before the firmware reads the sensors (as the core shell does).
        if inject_due(pending, clock.elapsed_ms, plant, world):
            plant.read_sensors(world.readings)
        if not pending:
            world.on_advance = None

    buzzer_pin = world.pin(board["buzzer_pin"]) if "buzzer_pin" in board else None

    def buzzing(main):
        """The buzzer pin's level; on a board without one, what led.py sounds on it."""
        if buzzer_pin is not None:
            return buzzer_pin.level
        hw = getattr(main, "hw", None) if main is not None else None
        return hw.led.buzz if hw is not None else 0

    def tick(main):
        ctrl = main.ctrl
        out = world.outputs
        rec.tick(clock.elapsed_ms, ctrl.state, ctrl.program, ctrl.fault, pump_percent(out[0]), ctrl.pressure,
                 ctrl.peak, out[4], out[5], ctrl.session_left_ms, world.led_on(), buzzing(main))

    def tail(code, main):
        ctrl = main.ctrl if main is not None else None
        out = world.sample()
        state = "REPL" if code == lifecycle.REPL else "RESET"
        if ctrl is None:
            rec.row(clock.elapsed_ms, state, None, None, pump_percent(out[0]), None, out[4], out[5])
        else:
            rec.row(clock.elapsed_ms, state, ctrl.program, ctrl.fault, pump_percent(out[0]), ctrl.pressure,
                    out[4], out[5])

    files = {"boot": job["boot"], "main": job["main"]}
    repo = str(fw.ROOT)  # boards/ is imported as the package `boards`, as from /lib on the chip
    added_path = repo not in sys.path
    console = _Tee(sys.stdout)
    try:
        if added_path:
            sys.path.append(repo)
        world.on_advance = inject if pending else None
        with contextlib.redirect_stdout(console):
            ended, feeds, main = lifecycle.live(
                world, lambda name: load_file(files[name], "pulseboot_sil_" + name), job["root"],
                job["end_ms"], job["tail_ms"], tick, tail)
    finally:
        if added_path and repo in sys.path:
            sys.path.remove(repo)
    ctrl = main.ctrl if main is not None else None
    return {"ended": ended, "sim_ms": clock.elapsed_ms, "wdt_feeds": feeds,
            "console": console.getvalue(), "world": world, "ctrl": ctrl, "final": final_state(ctrl, ended)}


def run(scenario, on_tick=None, vm="cpython", flash_dir=None):
    """`pulseboot sim --shell device`: returns (recorder, final controller state, simulated ms).
    flash_dir: the board's flash is this directory, kept afterwards (None: a temporary one).

    The program, level and session length reach the firmware the way they reach the
    device: in the settings file on flash, which main.py restores at start-up."""
    import settings as fw_settings  # firmware/lib
    import settings_io as fw_settings_io

    saved = fw_settings.Settings("")
    saved.program = scenario.program
    if scenario.level:
        if scenario.level % 10:
            raise ValueError("level %g mmHg: the device keeps whole mmHg" % (scenario.level / 10))
        saved.levels[scenario.program] = fw.programs.clamp_level(scenario.program, scenario.level)
    saved.session_min = scenario.session_min
    # Rows every 25 ms up to the last tick at or before the duration, as the core shell has them.
    duration = scenario.duration_ms
    scenario.duration_ms = last_ms = duration - duration % lifecycle.TICK_MS
    try:
        files = {fw_settings_io.PATH.lstrip("/"): saved.to_json()}
        files.update(getattr(scenario, "flash_files", {}))  # e.g. a custom programs.json
        result = _run(scenario, on_tick, vm, flash_dir, flash_files=files,
                      end_ms=last_ms)
    finally:
        scenario.duration_ms = duration
    if result["final"] is None:
        raise RuntimeError("main.py never built its Controller: %s" % (result["console"].strip()[-300:]
                                                                        or result["crash_log"].strip()[-300:]))
    return result["recorder"], result["final"], result["sim_ms"]

