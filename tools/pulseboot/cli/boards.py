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
    print(f"{'board':<20} {'chip':<9} {'chambers':<9} {'topology':<11} hard limit")
    for b in boards:
        default = "  (default)" if b["name"] == fw.DEFAULT_BOARD else ""
        print(f"{b['name']:<20} {b['chip']:<9} {b['chambers']:<9d} {b['topology']:<11} "
              f"{b['hard_limit_mmhg']:g} mmHg{default}")
    return 0
