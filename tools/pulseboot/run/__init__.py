"""Run the firmware against the simulated plant on virtual time.

One scenario (scenario.py: presses, faults, plant, recorder, summary), two shells:
- "device" (the default): the unmodified firmware/main.py with every driver, on the fake
  board (device_shell.py), in this Python or inside the MicroPython VM (vm_link.py);
- "core": the Controller alone (core_shell.py), faster, and it takes any board dict.
Both give the same trace columns and summary keys.
"""
from pulseboot import fw
from pulseboot.plant import PRESETS
from pulseboot.run import core_shell, device_shell
from pulseboot.run.scenario import BUTTONS, TICK_MS, PlantFault, Press, Scenario, check_program_fits, summary

VMS = ("cpython", "micropython")  # where the firmware can run: here, or the MicroPython unix port
SHELLS = ("device", "core")  # main.py and the drivers on the fake board, or the Controller alone

__all__ = ["BUTTONS", "PRESETS", "SHELLS", "TICK_MS", "VMS", "PlantFault", "Press", "simulate"]


def _resolve(board, program, plant):
    """Board dict, program index and plant parameters, or a one-line ValueError."""
    try:
        board_def = fw.load_board(board)
    except KeyError as e:
        raise ValueError(e.args[0]) from None
    index = _program_index(program)
    if plant not in PRESETS:
        raise ValueError("unknown plant %r; allowed: %s" % (plant, ", ".join(sorted(PRESETS))))
    return board_def, index, PRESETS[plant]


def _program_index(program):
    index = fw.programs.find(program)
    if index < 0:
        raise ValueError("unknown program %r; allowed: %s" % (program, ", ".join(fw.programs.NAMES)))
    return index


def simulate(board=fw.DEFAULT_BOARD, program="gradient", level_mmhg=None, duration_s=600.0,
             plant="small-leg", seed=0, presses=None, on_tick=None, params=None, board_def=None,
             plant_faults=(), vm="cpython", shell=None, session_min=None, on_event=None, flash_dir=None,
             flash_files=None):
    """Simulate a session; returns the summary dict (see README, `--summary`).

    Tests may pass `params` (plant parameters) and `board_def` (a board dict) directly.
    `vm` is where the firmware runs: "cpython" (this process) or "micropython" (the
    MicroPython unix port, over a pipe; the plant stays here; device shell only).
    `shell` is one of SHELLS; by default "device", or "core" when `board_def` is given
    (the device boots from a board file, and a board dict need not have one).
    `session_min` is the session length the firmware is given (None: its default).
    `on_event(t_ms, key, value)` hears what the firmware decided beyond the rows (the wave's
    targets, a session's end: scenario.Recorder), before the row of that tick.
    `flash_dir` (device shell): the simulated board's flash is this directory, kept afterwards
    (its trip log, crash log and settings, as a board keeps them across runs).
    `flash_files` ({name: text}, device shell) go on the board's flash beside its settings, e.g. a
    programs.json whose programs the caller has installed here too (custom_programs.installed).
    """
    if vm not in VMS:
        raise ValueError("unknown vm %r; allowed: %s" % (vm, ", ".join(VMS)))
    if shell is None:
        shell = "core" if board_def is not None else "device"
    if shell not in SHELLS:
        raise ValueError("unknown shell %r; allowed: %s" % (shell, ", ".join(SHELLS)))
    if board_def is None:
        board_def, index, preset = _resolve(board, program, plant)
    else:
        index = _program_index(program)
        preset = PRESETS[plant]
    check_program_fits(board_def, index)
    level = 0 if level_mmhg is None else round(level_mmhg * 10)
    scenario = Scenario(board_def, index, level, int(duration_s * 1000), params or preset, seed, presses,
                        plant_faults, session_min, on_event)
    scenario.flash_files = flash_files or {}
    if shell == "core":
        if vm != "cpython":
            raise ValueError("--vm micropython runs the device shell; the core shell runs in CPython "
                             "(the core's own tests run under MicroPython)")
        if flash_dir is not None:
            raise ValueError("--flash-dir needs the device shell: the core shell has no flash")
        if scenario.board_faults:
            raise ValueError("faults of the board itself (hang, power-cycle) need the device shell: "
                             "the watchdog and boot.py live there")
        rec, final, sim_ms = core_shell.run(scenario, on_tick)
    else:
        if not _on_file(board_def):
            raise ValueError("board %s: the device shell boots from a board file in boards/; "
                             "a board dict runs on shell 'core'" % board_def["name"])
        rec, final, sim_ms = device_shell.run(scenario, on_tick, vm, flash_dir)
    return summary(scenario, rec, final, sim_ms, shell)


def _on_file(board_def):
    try:
        return fw.load_board(board_def["name"]) == board_def
    except KeyError:
        return False
