"""`pulseboot programs`: the therapy programs with the targets a board will use.

The level and targets shown are the ones the board's firmware runs: its Controller,
zeroed with sensors that read zero at rest, is asked (report/levels.py), so a level the
sensors cannot watch shows lowered, with the reason. A program the board cannot run is
listed with the reason, as `pulseboot sim` would give it. An analog-sensor board is shown
calibrated, as the simulator runs it; the text says where its levels stay until it is.
"""
import json

from pulseboot import fw
from pulseboot.cli.common import Parser, choose
from pulseboot.report import levels

KIND_TEXT = {
    fw.programs.GRADIENT: ("gradient", "chambers fill distal to proximal and hold, then all vent"),
    fw.programs.PULSE: ("pulse", "each zone fills and holds while the next fills; distal zones release"),
    fw.programs.WAVE: ("wave", "each zone starts filling while the one below still holds, which then lets go"),
}


def _is_analog(board_def):
    return board_def.get("sensor", "hx710b") == "analog"


def _as_listed(board_def):
    """The board as its builder runs it once set up: an analog build with its calibration file
    read (README, Calibrating analog sensors), as the simulator runs it."""
    return dict(board_def, sensor_calibrated=True) if _is_analog(board_def) else board_def


def _why_not(board_def, index):
    """None when the board can run program `index`; else the reason `pulseboot sim` gives."""
    from pulseboot.run.scenario import check_program_fits

    try:
        check_program_fits(board_def, index)
    except ValueError as e:
        return str(e)
    return None


def _program_info(index, board_def, ctrl):
    P = fw.programs
    rec = P.PROGRAMS[index]
    chambers = board_def["chambers"]
    kind, text = KIND_TEXT.get(rec[P.KIND], (str(rec[P.KIND]), ""))
    why_not = _why_not(board_def, index)
    level = rec[P.LEVEL_DEFAULT] if why_not else levels.in_use(ctrl, index, rec[P.LEVEL_DEFAULT])
    targets = [0] * chambers
    P.fill_targets(index, chambers, level, targets)  # as the scheduler does with the level in use
    return {
        "name": P.NAMES[index],
        "kind": kind,
        "description": text,
        "chambers": chambers,
        "runs_on_board": why_not is None,
        "why_not": why_not,
        "level_default_mmhg": rec[P.LEVEL_DEFAULT] / 10,
        "level_mmhg": level / 10,
        "level_lowered_by": levels.LOWERED_BY if level < rec[P.LEVEL_DEFAULT] else None,
        "level_min_mmhg": rec[P.LEVEL_MIN] / 10,
        "level_max_mmhg": rec[P.LEVEL_MAX] / 10,
        "targets_mmhg": [t / 10 for t in targets],
        "inflate_ms": rec[P.INFLATE_MS],
        "hold_ms": rec[P.HOLD_MS],
        "release_ms": rec[P.RELEASE_MS],
        "rest_ms": rec[P.REST_MS],
    }


TIMINGS = ("inflate_ms", "hold_ms", "release_ms", "rest_ms")


def cmd_programs(argv):
    p = Parser("pulseboot programs", "List the therapy programs with the level and targets a board runs, "
               "and their timings.")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board whose chamber count and sensors set the targets (default {fw.DEFAULT_BOARD})")
    p.option("--json", help="print one JSON object")
    args = p.parse(argv)
    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    board_def = _as_listed(fw.load_board(board))
    chambers = board_def["chambers"]
    ctrl = levels.zeroed(board_def)
    cap = ctrl.level_cap
    infos = [_program_info(i, board_def, ctrl) for i in range(len(fw.programs.PROGRAMS))]
    if args.json:
        print(json.dumps({"board": board, "chambers": chambers, "level_cap_mmhg": cap / 10,
                          "level_cap_why": levels.why(ctrl), "programs": infos}))
        return 0
    print(f"Programs on {board} ({chambers} chambers); pressures in mmHg, chamber 1 = distal")
    if _is_analog(board_def):
        uncalibrated = levels.zeroed(fw.load_board(board)).level_cap / 10
        print(f"Shown with the sensors calibrated (README: Calibrating analog sensors); until then, levels "
              f"above {uncalibrated:g} run at {uncalibrated:g}.")
    for info in infos:
        targets = " ".join(f"{t:g}" for t in info["targets_mmhg"])
        inflate, hold, release, rest = (info[k] / 1000 for k in TIMINGS)
        low, high = info["level_min_mmhg"], info["level_max_mmhg"]
        print(f"{info['name']:<10} {info['kind']}: {info['description']}")
        if not info["runs_on_board"]:
            print(f"           cannot run on this board: {info['why_not']}")
            continue
        lowered = levels.lowered(info["level_default_mmhg"], info["level_mmhg"])
        level = f"level {info['level_mmhg']:g}" if not lowered else lowered
        print(f"           {level} (settable {low:g}..{high:g}); targets {targets}")
        print(f"           inflate <= {inflate:g} s per chamber, hold {hold:g} s, "
              f"release {release:g} s, rest {rest:g} s")
    if cap < max(info["level_max_mmhg"] * 10 for info in infos if info["runs_on_board"]):
        print(f"Levels above {cap / 10:g} run at {cap / 10:g} on this board: sensor range ({levels.why(ctrl)}); "
              "shown for sensors that read zero at rest.")
    return 0
