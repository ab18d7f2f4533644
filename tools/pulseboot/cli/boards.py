"""`pulseboot boards`: the supported board profiles."""
import json

from pulseboot import fw
from pulseboot.cli.common import Parser


def cmd_boards(argv):
    p = Parser("pulseboot boards", "List the supported board profiles.")
    p.option("--json", help="print one JSON object")
    args = p.parse(argv)
    boards = []
    for name in fw.board_names():
        b = fw.load_board(name)
        boards.append({"name": b["name"], "chip": b["chip"], "chambers": b["chambers"],
                       "topology": b["topology"], "hard_limit_mmhg": b["hard_limit_dmmhg"] / 10})
    if args.json:
        print(json.dumps({"default": fw.DEFAULT_BOARD, "boards": boards}))
        return 0
    header = ("board", "chip", "chambers", "topology", "hard limit")
    rows = [(b["name"], b["chip"], str(b["chambers"]), b["topology"],
             f"{b['hard_limit_mmhg']:g} mmHg" + ("  (default)" if b["name"] == fw.DEFAULT_BOARD else ""))
            for b in boards]
    # Each column as wide as its widest entry (a long board name must not push the rest out of line).
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for r in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[-1])
    return 0
