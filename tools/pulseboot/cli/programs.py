"""`pulseboot programs`: the therapy programs with the targets a board will use."""
import json

from pulseboot import fw
from pulseboot.cli.common import Parser, choose

KIND_TEXT = {
    fw.programs.GRADIENT: ("gradient", "chambers fill distal to proximal and hold, then all vent"),
    fw.programs.PULSE: ("pulse", "each zone fills and holds while the next fills; distal zones release"),
}


def _program_info(index, chambers):
    P = fw.programs
    rec = P.PROGRAMS[index]
    targets = [0] * chambers
    P.fill_targets(index, chambers, rec[P.LEVEL_DEFAULT], targets)
    kind, text = KIND_TEXT.get(rec[P.KIND], (str(rec[P.KIND]), ""))
    return {
        "name": P.NAMES[index],
        "kind": kind,
        "description": text,
        "chambers": chambers,
        "level_mmhg": rec[P.LEVEL_DEFAULT] / 10,
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
    p = Parser("pulseboot programs", "List the therapy programs with their targets and timings.")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board whose chamber count sets the targets (default {fw.DEFAULT_BOARD})")
    p.option("--json", help="print one JSON object")
    args = p.parse(argv)
    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    chambers = fw.load_board(board)["chambers"]
    infos = [_program_info(i, chambers) for i in range(len(fw.programs.PROGRAMS))]
    if args.json:
        print(json.dumps({"board": board, "chambers": chambers, "programs": infos}))
        return 0
    print(f"Programs on {board} ({chambers} chambers); pressures in mmHg, chamber 1 = distal")
    for info in infos:
        targets = " ".join(f"{t:g}" for t in info["targets_mmhg"])
        inflate, hold, release, rest = (info[k] / 1000 for k in TIMINGS)
        low, high = info["level_min_mmhg"], info["level_max_mmhg"]
        print(f"{info['name']:<10} {info['kind']}: {info['description']}")
        print(f"           level {info['level_mmhg']:g} ({low:g}..{high:g}); targets {targets}")
        print(f"           inflate <= {inflate:g} s per chamber, hold {hold:g} s, "
              f"release {release:g} s, rest {rest:g} s")
    return 0
