"""The fault table (tools/pulseboot/safety/table.py) and the matrix that checks runs against it."""
import pathlib

import pytest
from pulseboot import fw
from pulseboot.plant import FAULTS as PLANT_FAULTS
from pulseboot.run.scenario import FAULT_KINDS
from pulseboot.safety import matrix, table

SAFETY_MD = pathlib.Path(fw.ROOT, "docs", "SAFETY.md")


def test_the_table_has_every_fault_once_and_only_known_codes():
    assert [f.kind for f in table.FAULTS] == list(FAULT_KINDS)
    assert set(PLANT_FAULTS) < set(FAULT_KINDS)
    table.check()


def test_safety_md_is_generated_from_the_table():
    assert SAFETY_MD.read_text() == table.markdown(), "run: .venv/bin/python -m pulseboot.safety.table > docs/SAFETY.md"


def test_the_matrix_covers_every_fault_board_program_plant_and_phase():
    cases = matrix.cases()
    assert {c.kind for c in cases} == set(FAULT_KINDS)
    assert {c.board for c in cases} == set(fw.board_names())
    assert {c.phase for c in cases} == set(matrix.PHASES) and {c.plant for c in cases} == set(matrix.PLANTS)
    # recovery vents distal zones while feeding proximal ones: not on the shared-exhaust board
    assert not any(c.program == "recovery" and c.board == "esp32-devkitc-4ch-manifold" for c in cases)
    quick = matrix.cases(quick=True)
    assert set(quick) < set(cases) and {c.board for c in quick} == set(fw.board_names())


def test_a_detected_fault_passes_with_its_latency_and_venting():
    row = matrix.run_case(matrix.Case("dead-sensor", fw.DEFAULT_BOARD, "gradient", "small-leg", "filling"))
    assert row.ok, row.why
    assert row.code == "SENSOR" and 0 < row.latency_ms <= table.bound_ms(table.BY_KIND["dead-sensor"], {})
    assert row.vented_ms is not None and row.vented_ms <= table.VENT_WITHIN_MS


def test_the_matrix_reports_a_fault_nothing_detects(monkeypatch):
    # The checker must be able to fail: ask for a code within 1 ms of a fault nothing latches
    # for (a power cut: the chip starts again idle; a weak pump now shows as AIR at its next fill).
    strict = table.BY_KIND["power-cycle"]._replace(codes=("LEAK",), bound_ms=1)
    monkeypatch.setitem(table.BY_KIND, "power-cycle", strict)
    row = matrix.run_case(matrix.Case("power-cycle", fw.DEFAULT_BOARD, "gradient", "small-leg", "filling"))
    assert not row.ok and "not detected" in row.why


@pytest.mark.parametrize("phase", matrix.PHASES)
def test_injection_times_fall_in_their_phase(phase):
    line, summary = matrix._reference(fw.DEFAULT_BOARD, "gradient", "small-leg")
    k = matrix.chamber_for(phase, 4)
    at = matrix._phase_time(line, phase, k, summary["targets_mmhg"])
    i = line.t.index(at)
    if phase == "filling":
        assert line.pump[i] and line.inlet[i][k]
    elif phase == "holding":
        assert not line.inlet[i][k] and not line.vent[i][k] and line.p[i][k] > 20
    else:
        assert all(line.vent[i]) and max(line.p[i]) < table.VENTED_MMHG and not line.pump[i]
