"""The build folds the constant tables (limits.py, faults.py) into the modules that use them:
the same program, with numbers where the source reads a table, and the tables never loaded by
the control loop on the chip."""
import ast

from pulseboot import build, const_fold, fw

import wiring

TABLES = {"limits": {"A_MS": 1500, "LOW": -200}, "faults": {"IDLE": 1, "FAULT": 4}}


def test_a_tables_constant_becomes_its_number_and_the_import_goes():
    src = ("import limits\n"
           "from faults import FAULT, IDLE  # states\n"
           "\n"
           "def f(x, t=limits.A_MS):\n"
           "    # limits.A_MS in a comment stays\n"
           "    return x < limits.LOW or x == FAULT or t + IDLE\n")
    out = const_fold.fold(src, TABLES)
    assert out.splitlines() == ["", "", "", "def f(x, t=1500):", "    # limits.A_MS in a comment stays",
                                "    return x < (-200) or x == 4 or t + 1"]


def test_what_is_not_a_constant_of_a_table_stays_and_keeps_its_import():
    src = ("import limits\n"
           "from faults import NAMES\n"
           "print(limits.A_MS, limits.OTHER, NAMES, self.A_MS)\n")
    out = const_fold.fold(src, TABLES)
    assert out.splitlines() == ["import limits", "from faults import NAMES",
                                "print(1500, limits.OTHER, NAMES, self.A_MS)"]


def test_a_name_the_module_binds_itself_is_not_folded():
    src = "from faults import IDLE\nIDLE = 7\nprint(IDLE)\n"
    assert const_fold.fold(src, TABLES) == src


def test_an_import_over_several_lines_keeps_the_line_count():
    src = "from faults import (\n    FAULT,\n    IDLE,\n)\nx = FAULT\n"
    out = const_fold.fold(src, TABLES)
    assert out.splitlines() == ["", "", "", "", "x = 4"]


def test_every_firmware_module_folds_to_the_same_program_with_numbers():
    tables = const_fold.constants(fw.LIB)
    assert tables["limits"]["HARD_LIMIT_DMMHG"] == 2000 and tables["faults"]["LEAK"] == 8
    for src in sorted(fw.LIB.glob("*.py")):
        text = src.read_text()
        out = const_fold.fold(text, tables)
        assert len(out.splitlines()) == len(text.splitlines()), src.name  # tracebacks keep their lines
        ast.parse(out)
        used = {n.value.id for n in ast.walk(ast.parse(out)) if isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name) and n.value.id in tables and n.attr in tables[n.value.id]}
        assert not used, (src.name, used)  # every constant of a table was folded


def test_the_loop_modules_of_a_build_read_no_table(tmp_path):
    # What the control loop runs imports neither table: start-up lets them go (wiring.py), and
    # the heap test (test_micropython_vm.py) sees them gone from the chip's RAM.
    tables = const_fold.constants(fw.LIB)
    for name in ("controller", "limiter", "limiter_manifold", "scheduler", "regulator", "regulator_manifold",
                 "device", "led", "settings_io", "hx710b", "analog_sensor", "valves", "valves_595", "telemetry",
                 "buttons", "programs"):
        tree = ast.parse(const_fold.fold((fw.LIB / (name + ".py")).read_text(), tables))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not imported & set(const_fold.TABLES), (name, imported)
    assert wiring.FOLDED_TABLES == const_fold.TABLES  # what start-up lets go is what the build folds
    assert build.build(fw.DEFAULT_BOARD, tmp_path / "b").joinpath("lib", "limits.mpy").exists()  # tests load it
