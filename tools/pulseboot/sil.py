"""Software in the loop: the unmodified firmware/boot.py and firmware/main.py, with their
drivers, on the simulated plant. This is `pulseboot sim`'s default shell (`--shell device`).

run_sil() builds a flash directory (board.txt, and settings.json or any other file it is
given), puts the fakes of fakes.py in place of `machine`, `time` and `neopixel`, runs
boot.py's safe_outputs() and then main.py's main() exactly as the chip would, and reports
every control tick to on_tick as the row sim.py writes:
    (t_ms, state, program, fault, pump, p_true_mmhg, s_believed_mmhg, inlet, vent_open)
with pump, inlet and vent read back from the pins (what the drivers really drove), the
state, program, fault and belief from the Controller main.py built (main.ctrl).

vm="cpython" runs the firmware in this process; vm="micropython" runs the same firmware,
with the same fakes, inside the MicroPython unix port (tools/mp/sil_shell.py, driven by
sil_link.py); the plant stays here. Both give the same rows, byte for byte in a trace.

The run ends when virtual time reaches duration_ms (StopSimulation out of time.sleep_ms,
after main.py's finally has run), when main() returns (MODE held at power-up leaves the
REPL free), or when the firmware resets the board (machine.reset() or a watchdog bite).
A reset adds rows whose state is "RESET": the first shows the pins as the firmware left
them; then the chip restarts (pins float to their pull resistors, boot.py runs) and the
plant runs on for tail_ms (or up to end_ms), so a trace shows what the chambers did after
the crash. main.py is not started again. After main() returns the plant runs on up to
end_ms too, in rows whose state is "REPL".
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

from . import fw
from .clock import VirtualClock
from .fakes import MachineReset, StopSimulation, World
from .plant import PRESETS

import buttons as fw_buttons  # firmware/lib, importable once fw is loaded
import controller as fw_controller

MAIN = fw.FIRMWARE / "main.py"
BOOT = fw.FIRMWARE / "boot.py"
TAP_MS = 150  # a short press (as sim.py)
HOLD_MS = 2000  # a long press
TICK_MS = 25  # the firmware's control period: the rows after a reset or a return come this often
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


class Recorder:
    """Turns what the firmware and the plant show at the end of each tick into rows, and
    keeps what the summary needs: the faults as they latched, the last wave's targets."""

    def __init__(self, plant, chambers, on_tick):
        self.plant = plant
        self.on_tick = on_tick
        self.faults = []  # [{"code", "t_ms"}]
        self.ticks = 0
        self.targets = [0] * chambers  # the last non-empty wave's peak targets, dmmHg
        self._believed = [0.0] * chambers
        self._fault = 0
        self._states = fw_controller.STATE_NAMES
        self._programs = fw.programs.NAMES
        self._fault_names = fw.faults.NAMES

    def tick(self, t, state, program, fault, u16, pressure, peak, inlet, vent):
        """One control tick (indices, pump as duty_u16, belief in dmmHg, views of the valves)."""
        self.ticks += 1
        if fault != self._fault:
            if fault:
                self.faults.append({"code": self._fault_names[fault], "t_ms": t})
            self._fault = fault
        if peak[0]:
            self.targets[:] = peak
        if self.on_tick is not None:
            self.row(t, self._states[state], program, fault, u16, pressure, inlet, vent)

    def row(self, t, state, program, fault, u16, pressure, inlet, vent):
        """A row; state a name, program/fault indices or None (no controller yet)."""
        if self.on_tick is None:
            return
        believed = self._believed
        if pressure is not None:
            for i in range(len(believed)):
                believed[i] = pressure[i] / 10
        self.on_tick((t, state, "" if program is None else self._programs[program],
                      "" if fault is None else self._fault_names[fault], round(u16 * 100 / 65535),
                      self.plant.true_mmhg, believed, inlet, vent))


def make_plant(board, params, seed):
    from .sim import plant_for  # the plant plumbed like the board, as the core shell has it

    return plant_for(board, params, seed)


def run_sil(board_name=fw.DEFAULT_BOARD, plant_params=None, seed=0, duration_ms=180000, presses=None,
            on_tick=None, main_path=None, boot_path=None, flash_dir=None, flash_files=None, tail_ms=1000,
            plant_faults=(), vm="cpython", end_ms=None):
    """Run the device firmware on the plant; returns a dict:
    ended: 'duration', 'reset' / 'wdt' / 'soft' (the board was reset), 'returned' (main() returned);
    sim_ms, ticks, wall_s; faults: [{code, t_ms}] as the controller latched them; targets: the
    last wave's peak targets (dmmHg); final: the controller at the end (state, program, cycles,
    hard_limit, levels; None if main.py never built one); crash_log: the log's text; console:
    what the firmware printed (also shown on stdout); wdt_feeds; flash_dir (None if it was a
    temporary one); world (the fakes) and ctrl (main.ctrl), both None under MicroPython.

    presses: objects with .button/.at_ms/.long (sim.Press), default one start tap at 0 ms.
    plant_faults: objects with .kind/.at_ms/.chamber (sim.PlantFault), injected in time.
    flash_files: {name: text} written into the flash directory beside board.txt.
    end_ms: after a reset or a return, run the plant on up to this time instead of tail_ms.
    """
    if vm not in ("cpython", "micropython"):
        raise ValueError("unknown vm %r; allowed: cpython, micropython" % (vm,))
    board = fw.load_board(board_name)
    plant = make_plant(board, plant_params or PRESETS["small-leg"], seed)
    spans = spans_from_presses([_Press("start", 0)] if presses is None else presses)
    pending = sorted(plant_faults, key=lambda f: f.at_ms)
    while pending and pending[0].at_ms <= 0:  # at power-on, before the firmware reads anything
        f = pending.pop(0)
        plant.inject(f.kind, f.chamber)
    temporary = flash_dir is None
    root = tempfile.mkdtemp(prefix="pulseboot-flash-") if temporary else str(flash_dir)
    pathlib.Path(root, "board.txt").write_text(board["name"] + "\n")
    for name, text in (flash_files or {}).items():
        pathlib.Path(root, name).write_text(text)
    rec = Recorder(plant, board["chambers"], on_tick)
    job = {"board": board, "plant": plant, "spans": spans, "pending": pending, "root": root,
           "main": str(main_path or MAIN), "boot": str(boot_path or BOOT), "stop_ms": duration_ms,
           "tail_ms": tail_ms, "end_ms": end_ms, "seed": seed}
    wall = _wall.perf_counter()
    try:
        if vm == "micropython":
            from .sil_link import run_in_vm

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
    result.update(ticks=rec.ticks, faults=rec.faults, targets=rec.targets, flash_dir=None if temporary else root)
    return result


def _final(ctrl, ended):
    if ctrl is None:
        return None
    state = fw_controller.STATE_NAMES[ctrl.state]
    if ended in ("reset", "wdt", "soft"):
        state = "RESET"
    return {"state": state, "program": ctrl.program, "cycles": ctrl.cycles,
            "hard_limit": ctrl.limiter.hard_limit, "levels": list(ctrl.levels)}


class _Tee(io.StringIO):
    """The firmware's console: shown on stdout as it prints, and kept."""

    def __init__(self, out):
        super().__init__()
        self._echo = out

    def write(self, text):
        self._echo.write(text)
        return super().write(text)


def _run_here(job, rec):
    """The firmware in this interpreter, on the fakes of fakes.py."""
    board, plant, root = job["board"], job["plant"], job["root"]
    clock = VirtualClock()
    world = World(board, plant, clock, job["spans"], seed=job["seed"])
    world.stop_ms = job["stop_ms"]
    pending = job["pending"]
    main_mod = None

    def inject():
        # At the start of a tick, before the firmware reads the sensors (as sim.py does).
        while pending and pending[0].at_ms <= clock.elapsed_ms:
            f = pending.pop(0)
            plant.inject(f.kind, f.chamber)
            plant.read_sensors(world.readings)
        if not pending:
            world.on_advance = None

    def tick():
        ctrl = main_mod.ctrl
        out = world.outputs
        rec.tick(clock.elapsed_ms, ctrl.state, ctrl.program, ctrl.fault, out[0], ctrl.pressure, ctrl.peak,
                 out[4], out[5])

    def tail_row(state):
        ctrl = main_mod.ctrl if main_mod is not None else None
        out = world.sample()
        if ctrl is None:
            rec.row(clock.elapsed_ms, state, None, None, out[0], None, out[4], out[5])
        else:
            rec.row(clock.elapsed_ms, state, ctrl.program, ctrl.fault, out[0], ctrl.pressure, out[4], out[5])

    saved = {m: sys.modules.get(m) for m in _MODULES}
    repo = str(fw.ROOT)  # boards/ is imported as the package `boards`, as from /lib on the chip
    added_path = repo not in sys.path
    console = _Tee(sys.stdout)
    ended = None
    feeds = 0
    try:
        sys.modules["machine"] = world.machine
        sys.modules["time"] = world.time
        sys.modules["neopixel"] = world.neopixel
        if added_path:
            sys.path.append(repo)
        world.on_advance = inject if pending else None
        with contextlib.redirect_stdout(console):
            boot = _load(job["boot"], "pulseboot_sil_boot")
            boot.safe_outputs(root)
            main_mod = _load(job["main"], "pulseboot_sil_main")
            world.on_tick = tick
            try:
                main_mod.main(root)
                ended = "returned"
            except StopSimulation:
                ended = "duration"
            except MachineReset as r:
                ended = r.cause
            feeds = world.wdt.feeds if world.wdt is not None else 0
            world.on_tick = None
            world.stop_ms = None
            end = job["end_ms"]
            if ended == "returned":
                if end is not None:
                    tail_row("REPL")
            elif ended != "duration":
                tail_row("RESET")  # the pins as the firmware left them
                # The chip restarts: pins float to their pulls, then boot.py runs again.
                world.power_cycle()
                boot.safe_outputs(root)
                if end is None:
                    end = clock.elapsed_ms + job["tail_ms"]
            if ended != "duration" and end is not None:
                state = "REPL" if ended == "returned" else "RESET"
                while clock.elapsed_ms < end:
                    world.advance(TICK_MS)
                    tail_row(state)
    finally:
        for m, mod in saved.items():
            if mod is None:
                sys.modules.pop(m, None)
            else:
                sys.modules[m] = mod
        if added_path and repo in sys.path:
            sys.path.remove(repo)
    ctrl = main_mod.ctrl if main_mod is not None else None
    return {"ended": ended, "sim_ms": clock.elapsed_ms, "wdt_feeds": feeds,
            "console": console.getvalue(), "world": world, "ctrl": ctrl, "final": _final(ctrl, ended)}


def simulate(board_def, index, level, duration_ms, params, seed, presses, on_tick, plant_faults, vm):
    """`pulseboot sim --shell device`: the session sim.run asks for, as its summary dict.

    The program and level reach the firmware the way they reach the device: in the
    settings file on flash, which main.py restores at start-up."""
    import settings as fw_settings  # firmware/lib
    import settings_io as fw_settings_io

    P = fw.programs
    saved = fw_settings.Settings("")
    saved.program = index
    if level:
        if level % 10:
            raise ValueError("level %g mmHg: the device keeps whole mmHg" % (level / 10))
        saved.levels[index] = P.clamp_level(index, level)
    # Rows every 25 ms up to the last tick at or before the duration, as the core shell has them.
    last_ms = duration_ms - duration_ms % TICK_MS
    result = run_sil(board_def["name"], params, seed, last_ms, presses, on_tick, plant_faults=plant_faults, vm=vm,
                     flash_files={fw_settings_io.PATH.lstrip("/"): saved.to_json()}, end_ms=last_ms)
    final = result["final"]
    if final is None:
        raise RuntimeError("main.py never built its Controller: %s" % (result["console"].strip()[-300:]
                                                                        or result["crash_log"].strip()[-300:]))
    targets = result["targets"]
    if not targets[0]:  # never ran: what it would have aimed for
        P.fill_targets(index, board_def["chambers"], final["levels"][index], targets)
    return {
        "program": P.NAMES[final["program"]],
        "board": board_def["name"],
        "chambers": board_def["chambers"],
        "level_mmhg": final["levels"][index] / 10,
        "targets_mmhg": [t / 10 for t in targets],
        "hard_limit_mmhg": final["hard_limit"] / 10,
        "cycles": final["cycles"],
        "faults": result["faults"],
        "state": final["state"],
        "sim_s": result["sim_ms"] / 1000,
    }
