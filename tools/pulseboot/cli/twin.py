"""`pulseboot twin`: the unmodified firmware (boot.py and main.py on the fake board) against the
simulated plant in real time or sped up, in an interactive terminal view; keys are the buttons.

Every option is checked before the terminal is taken over: a bad one is one line and exit 2.
"""
import math
import sys

from pulseboot import fw
from pulseboot.cli.common import Parser, UsageError, choose

SPEED_MIN, SPEED_MAX = 1, 60  # times real time


def _parser(presets, default_preset):
    p = Parser("pulseboot twin", "Run the firmware against the simulated plant in real time (or up to 60 times "
               "faster) in an interactive terminal view. Keys: s START, S (shift) long START, m MODE, u or up "
               "UP, d or down DOWN, q quit.")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board profile (default {fw.DEFAULT_BOARD})")
    p.option("--plant", "PRESET", "a plant preset, one of " + ", ".join(presets),
             f"simulated plant preset (default {default_preset})")
    p.option("--speed", "X", _speed_expect(), "times real time, 1 to 60 (default 1)")
    p.option("--program", "NAME", "a program name, one of " + ", ".join(fw.programs.NAMES),
             "the program selected at power-on (default gradient; MODE changes it)")
    p.option("--level", "N", "whole mmHg within the program's range (see `pulseboot programs`)",
             "the program's pressure level in mmHg at power-on (default: the program's; UP/DOWN change it)")
    p.option("--session-min", "N", _session_expect(), f"session length in minutes (default "
             f"{fw.limits.SESSION_DEFAULT_MIN})")
    p.option("--seed", "N", "an integer", "random seed of the plant (default 0)")
    p.option("--bell", help="ring the terminal bell whenever the buzzer sounds")
    return p


def _speed_expect():
    return f"a number from {SPEED_MIN} to {SPEED_MAX} (times real time)"


def _session_expect():
    return f"whole minutes from {fw.limits.SESSION_MIN_MIN} to {fw.limits.SESSION_MAX_MIN}"


def _speed(text):
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not SPEED_MIN <= x <= SPEED_MAX:  # also false for nan
        raise UsageError(f"--speed {text!r}: expected {_speed_expect()}")
    return x


def _whole(flag, text, lo, hi, expect):
    try:
        n = int(text)
    except ValueError:
        n = None
    if n is None or not lo <= n <= hi:
        raise UsageError(f"{flag} {text!r}: expected {expect}")
    return n


def _options(argv):
    from pulseboot import plant

    args = _parser(sorted(plant.PRESETS), plant.DEFAULT_PRESET).parse(argv)
    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    program = choose("program", args.program, fw.programs.NAMES, "gradient")
    index = fw.programs.find(program)
    level = 0
    if args.level is not None:
        rec = fw.programs.PROGRAMS[index]
        lo, hi = math.ceil(rec[fw.programs.LEVEL_MIN] / 10), rec[fw.programs.LEVEL_MAX] // 10
        level = _whole("--level", args.level, lo, hi, f"whole mmHg from {lo} to {hi} for program {program}") * 10
    session_min = None
    if args.session_min is not None:
        session_min = _whole("--session-min", args.session_min, fw.limits.SESSION_MIN_MIN,
                             fw.limits.SESSION_MAX_MIN, _session_expect())
    seed = 0
    if args.seed is not None:
        try:
            seed = int(args.seed)
        except ValueError:
            raise UsageError(f"--seed {args.seed!r}: expected an integer") from None
    preset = choose("plant", args.plant, sorted(plant.PRESETS), plant.DEFAULT_PRESET)
    from pulseboot.run.scenario import check_program_fits

    board_def = fw.load_board(board)
    try:
        check_program_fits(board_def, index)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return {"board": board, "board_def": board_def, "program": program, "index": index, "level": level,
            "session_min": session_min, "seed": seed, "plant": preset, "params": plant.PRESETS[preset],
            "speed": 1.0 if args.speed is None else _speed(args.speed), "bell": args.bell}


def _terminal():
    """A terminal to draw on and read keys from, or a UsageError."""
    for name, stream in (("standard input", sys.stdin), ("standard output", sys.stdout)):
        try:
            tty = stream is not None and stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        if not tty:
            raise UsageError(f"{name} is not a terminal; expected to run in one (for a run without one, "
                             "see pulseboot sim)")


def title(o):
    return (f"PulseBoot twin: {o['board']} ({o['board_def']['chambers']} chambers), plant {o['plant']}, "
            f"x{o['speed']:g}")


def cmd_twin(argv):
    o = _options(argv)
    _terminal()
    try:
        from pulseboot.twin.app import TwinApp
    except ImportError as e:
        print(f"pulseboot twin: {e}; install it with: pip install -e . (or run make sim)", file=sys.stderr)
        return 1
    from pulseboot.run.realtime import DeviceTwin

    twin = DeviceTwin(o["board"], o["params"], o["index"], o["level"], o["seed"], o["session_min"])
    app = TwinApp(twin, o["speed"], title(o), o["bell"])
    try:
        app.run()
    finally:
        stopped = twin.close()
    device_s = twin.frame.t_ms / 1000 if twin.frame is not None else 0.0
    when = f"after {device_s:.1f} s of device time"
    if twin.error is not None:
        print(f"pulseboot twin: the device shell failed {when}: {type(twin.error).__name__}: {twin.error}",
              file=sys.stderr)
        return 1
    if not stopped:
        print(f"pulseboot twin: the firmware did not stop within 5 s {when}", file=sys.stderr)
        return 1
    safe = twin.outputs_safe()
    outputs = "outputs safe (pump off, every chamber vented)" if safe else "OUTPUTS NOT SAFE"
    if twin.ended != "stopped":  # the firmware ended by itself before q: say how, with its last word
        said = app.console_lines[-1] if app.console_lines else "nothing printed"
        how = "main.py returned" if twin.ended == "returned" else f"the board reset ({twin.ended})"
        print(f"pulseboot twin: {how} {when}: {said}; {outputs}", file=sys.stderr)
        return 1
    print(f"pulseboot twin: stopped {when}; {outputs}")
    return 0 if safe else 1
