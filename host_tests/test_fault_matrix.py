"""`pulseboot faults --quick` in `make test`: every single fault injected mid-fill and mid-hold
on every board (each a run of the unmodified main.py) ends within the fault table's bounds
(docs/SAFETY.md): detected in time with one of its codes, the pump off, the chambers vented,
no chamber above its target + margin (+ stated allowance) or the hard limit."""
import json

from pulseboot import cli, fw
from pulseboot.safety import table


def test_quick_fault_matrix_has_every_row_within_its_bounds(capsys):
    code = cli.main(["faults", "--quick", "--json"])
    result = json.loads(capsys.readouterr().out)
    missed = ["%(kind)s on %(board)s, %(program)s, %(plant)s, %(phase)s, chamber %(chamber)d: %(why)s" % r
              for r in result["rows"] if not r["ok"]]
    assert result["runs"] == len(table.FAULTS) * len(fw.board_names()) * 2  # every kind, board, fill and hold
    assert not missed, "\n".join(missed)
    assert code == 0
