"""Software in the loop: the unmodified firmware/boot.py and firmware/main.py, with their
drivers, on the simulated plant.

run_sil() puts the fakes of fakes.py in sys.modules as `machine`, `time` and `neopixel`,
writes a temporary flash directory (board.txt and any extra files), runs boot.py's
safe_outputs() and then main.py's main() exactly as the chip would, and reports every
control tick to on_tick as the row sim.py writes:
    (t_ms, state, program, fault, pump, p_true_mmhg, s_believed_mmhg, inlet, vent_open)
with pump, inlet and vent read back from the pins (what the drivers really drove), the
state, program and fault from the Controller main.py built (main.ctrl).

The run ends when virtual time reaches duration_ms (StopSimulation out of
time.sleep_ms, after main.py's finally has run), or when the firmware resets the board
(machine.reset() or a watchdog bite). A reset adds rows whose state is "RESET": the
first shows the pins as the firmware left them; then the chip restarts (pins float to
their pull resistors, boot.py runs) and the plant runs on for tail_ms, so a trace shows
what the chambers did after the crash. main.py is not started again.
"""

import importlib.util
import os
import pathlib
import sys
import tempfile
import time as _wall

from . import fw
from .clock import VirtualClock
from .fakes import MachineReset, StopSimulation, World
from .plant import PRESETS, Plant

import buttons as fw_buttons  # firmware/lib, importable once fw is loaded
import controller as fw_controller

MAIN = fw.FIRMWARE / "main.py"
BOOT = fw.FIRMWARE / "boot.py"
TAP_MS = 150  # a short press (as sim.py)
HOLD_MS = 2000  # a long press
_MODULES = ("machine", "time", "neopixel")


def spans_from_presses(presses):
    """(start_ms, end_ms, bit) per press; presses have .button, .at_ms, .long."""
    spans = []
    names = fw_buttons.NAMES
    for p in presses:
        if p.button not in names:
            raise ValueError("unknown button %r; allowed: %s" % (p.button, ", ".join(names)))
        spans.append((p.at_ms, p.at_ms + (HOLD_MS if p.long else TAP_MS), 1 << names.index(p.button)))
    return spans


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Press:
    def __init__(self, button, at_ms, long=False):
        self.button, self.at_ms, self.long = button, at_ms, long


def run_sil(board_name=fw.DEFAULT_BOARD, plant_params=None, seed=0, duration_ms=180000, presses=None,
            on_tick=None, main_path=None, boot_path=None, flash_dir=None, flash_files=None, tail_ms=1000,
            plant_faults=()):
    """Run the device firmware on the plant; returns a dict:
    ended: 'duration', 'reset' / 'wdt' / 'soft' (the board was reset), 'returned' (main() returned);
    sim_ms, ticks, wall_s; faults: [{code, t_ms}] as the controller latched them;
    crash_log: the log's text; flash_dir; wdt_feeds; world (the fakes) and ctrl (main.ctrl).

    presses: objects with .button/.at_ms/.long (sim.Press), default one start tap at 0 ms.
    plant_faults: objects with .kind/.at_ms/.chamber (sim.PlantFault), injected in time.
    flash_files: {name: text} written into the flash directory beside board.txt.
    """
    board = fw.load_board(board_name)
    params = plant_params or PRESETS["small-leg"]
    plant = Plant(board["chambers"], params, seed=seed, vent_valves=board.get("topology") == "inlet+vent")
    clock = VirtualClock()
    spans = spans_from_presses([_Press("start", 0)] if presses is None else presses)
    world = World(board, plant, clock, spans, seed=seed)
    world.stop_ms = duration_ms
    if flash_dir is None:
        flash_dir = tempfile.mkdtemp(prefix="pulseboot-flash-")
    root = str(flash_dir)
    pathlib.Path(root, "board.txt").write_text(board["name"] + "\n")
    for name, text in (flash_files or {}).items():
        pathlib.Path(root, name).write_text(text)

    program_names = fw.programs.names()
    state_names = fw_controller.STATE_NAMES
    fault_names = fw.faults.NAMES
    n = board["chambers"]
    believed = [0.0] * n
    pending = sorted(plant_faults, key=lambda f: f.at_ms)
    result = {"ended": None, "ticks": 0, "faults": [], "flash_dir": root}
    main_mod = None
    last_fault = [0]

    def row(state=None):
        ctrl = main_mod.ctrl if main_mod is not None else None
        if ctrl is not None:
            for i in range(n):
                believed[i] = ctrl.pressure[i] / 10
            program, fault = program_names[ctrl.program], fault_names[ctrl.fault]
            state = state or state_names[ctrl.state]
        else:
            program, fault, state = "", "", state or "BOOT"
        return (clock.elapsed_ms, state, program, fault, round(world.pump_duty()), plant.true_mmhg, believed,
                world.inlet_open(), world.vent_open())

    def inject():
        # At the start of a tick, before the firmware reads the sensors (as sim.py does).
        while pending and pending[0].at_ms <= clock.elapsed_ms:
            f = pending.pop(0)
            plant.inject(f.kind, f.chamber)
            plant.read_sensors(world.readings)

    def tick():
        t = clock.elapsed_ms
        ctrl = main_mod.ctrl
        if ctrl is not None and ctrl.fault != last_fault[0]:
            if ctrl.fault:
                result["faults"].append({"code": fault_names[ctrl.fault], "t_ms": t})
            last_fault[0] = ctrl.fault
        result["ticks"] += 1
        if on_tick is not None:
            on_tick(row())

    saved = {m: sys.modules.get(m) for m in _MODULES}
    repo = str(fw.ROOT)  # boards/ is imported as the package `boards`, as from /lib on the chip
    added_path = repo not in sys.path
    wall = _wall.perf_counter()
    try:
        sys.modules["machine"] = world.machine
        sys.modules["time"] = world.time
        sys.modules["neopixel"] = world.neopixel
        if added_path:
            sys.path.append(repo)
        world.on_advance = inject
        inject()
        boot = _load(boot_path or BOOT, "pulseboot_sil_boot")
        boot.safe_outputs(root)
        main_mod = _load(main_path or MAIN, "pulseboot_sil_main")
        world.on_tick = tick
        try:
            main_mod.main(root)
            result["ended"] = "returned"
        except StopSimulation:
            result["ended"] = "duration"
        except MachineReset as r:
            result["ended"] = r.cause
            world.on_tick = None
            world.stop_ms = None
            if on_tick is not None:
                on_tick(row("RESET"))  # the pins as the firmware left them
            # The chip restarts: pins float to their pulls, then boot.py runs again.
            world.power_cycle()
            boot.safe_outputs(root)
            end = clock.elapsed_ms + tail_ms
            while clock.elapsed_ms < end:
                world.advance(25)
                if on_tick is not None:
                    on_tick(row("RESET"))
    finally:
        for m, mod in saved.items():
            if mod is None:
                sys.modules.pop(m, None)
            else:
                sys.modules[m] = mod
        if added_path and repo in sys.path:
            sys.path.remove(repo)
    result["wall_s"] = _wall.perf_counter() - wall
    result["sim_ms"] = clock.elapsed_ms
    result["wdt_feeds"] = world.wdt.feeds if world.wdt is not None else 0
    log = os.path.join(root, "crash.log")
    result["crash_log"] = pathlib.Path(log).read_text() if os.path.exists(log) else ""
    result["world"] = world
    result["ctrl"] = main_mod.ctrl if main_mod is not None else None
    return result
