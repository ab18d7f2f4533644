"""Firmware layering, read from the source with `ast` (every import, at any depth in a file):

- the control core never reaches a driver, the shell's helpers, `machine`, `time` or any I/O,
  however many imports away, so the host steps the very code the chip runs;
- drivers take shared constants only from the leaf modules, never from the controller;
- leaf modules import no firmware module; only main.py imports the controller;
- nothing under firmware/lib imports `machine` or `time`: hardware and the clock come in
  through constructors and arguments;
- whole module names, never `import x as y`.
"""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
LIB = FIRMWARE / "lib"

# The control core: what Controller.step() runs and the tables it reads. No hardware, no
# clock, no files: the same objects whether main.py or a host shell steps them.
CORE = {"controller", "scheduler", "regulator", "regulator_manifold", "limiter", "limiter_manifold", "probe",
        "programs", "buttons", "topology"}
# Leaf modules: what every layer may share (state and fault codes, the limits table, the
# safe state). They import no firmware module.
LEAVES = {"faults", "limits", "safe_state"}
# Drivers: one part each, handed a pin or a callable; device.py bundles them for main.py.
DRIVERS = {"analog_sensor", "device", "hx710b", "led", "led_pixel", "valves", "valves_595"}
# The shell's helpers: start-up (wiring, the custom programs file), the settings file, the crash
# log, the telemetry line.
SHELL = {"wiring", "program_file", "settings", "settings_io", "crashlog", "telemetry"}
# What the core and the leaves may take from the interpreter: no I/O, no clock. (sys: only its
# modules table, for the controller to let the garment check's code go once the check is over.)
PURE = {"micropython", "array", "sys"}


def _compiled(tree):
    """Every node MicroPython compiles: not what sits under `if _TYPES:` (a const 0 the compiler
    drops; the imports there are for the type checker only, see tools/mypy-micropython.ini)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "_TYPES":
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def imports(path):
    """Every module name a file imports, as written (from x import y -> x)."""
    names = set()
    for node in _compiled(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "%s: relative import" % path
            names.add(node.module)
    return names


def lib_modules():
    return {p.stem: imports(p) for p in sorted(LIB.glob("*.py"))}


MODULES = lib_modules()


def reach(start):
    """{module: the import chain that reaches it} over firmware/lib, from `start`."""
    chains = {start: [start]}
    todo = [start]
    while todo:
        name = todo.pop()
        for dep in sorted(MODULES.get(name, ())):
            if dep not in chains:
                chains[dep] = [*chains[name], dep]
                if dep in MODULES:
                    todo.append(dep)
    return chains


def test_every_firmware_module_has_a_layer():
    layered = CORE | LEAVES | DRIVERS | SHELL
    assert set(MODULES) == layered, "place each module in one layer (CORE, LEAVES, DRIVERS, SHELL) here: %s" % (
        sorted(set(MODULES) ^ layered))
    assert not (CORE & LEAVES or CORE & DRIVERS or CORE & SHELL or LEAVES & DRIVERS or LEAVES & SHELL
                or DRIVERS & SHELL)


@pytest.mark.parametrize("module", sorted(CORE))
def test_the_core_never_reaches_a_driver_the_shell_machine_or_time(module):
    bad = {name: chain for name, chain in reach(module).items() if name not in CORE | LEAVES | PURE}
    assert not bad, "%s reaches %s" % (module, "; ".join(" -> ".join(c) for c in bad.values()))


@pytest.mark.parametrize("module", sorted(DRIVERS))
def test_drivers_take_constants_only_from_leaf_modules(module):
    firmware = {m for m in MODULES[module] if m in MODULES}
    assert firmware <= DRIVERS | LEAVES, "%s imports %s" % (module, sorted(firmware - DRIVERS - LEAVES))


@pytest.mark.parametrize("module", sorted(LEAVES))
def test_leaf_modules_import_no_firmware_module(module):
    assert MODULES[module] <= PURE, "%s imports %s" % (module, sorted(MODULES[module] - PURE))


def test_only_main_py_imports_the_controller():
    users = {name for name, deps in MODULES.items() if "controller" in deps}
    assert not users, "%s import controller: take shared names from a leaf module" % sorted(users)
    assert "controller" in imports(FIRMWARE / "main.py")


def test_no_library_module_imports_machine_or_time():
    # main.py hands `machine` to wiring.build and the clock's ticks_diff to the Controller.
    users = {name for name, deps in MODULES.items() if deps & {"machine", "time", "utime"}}
    assert not users, sorted(users)


def test_boot_py_stays_light_and_boards_are_data():
    assert imports(FIRMWARE / "boot.py") <= {"machine"} | LEAVES
    for board in sorted((ROOT / "boards").glob("*.py")):
        assert not imports(board), board.name


def test_whole_module_names_never_import_as():
    files = sorted(FIRMWARE.rglob("*.py")) + sorted((ROOT / "boards").glob("*.py")) + sorted(
        (ROOT / "host_tests" / "core").glob("*.py"))
    aliased = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                aliased += ["%s: import %s as %s" % (path.relative_to(ROOT), a.name, a.asname)
                            for a in node.names if a.asname]
    assert not aliased, aliased


def test_the_checks_see_what_they_claim():
    # The walk finds imports inside functions (the controller loads the garment check that way,
    # its start-up its regulator and limiter), and a chain is reported in full.
    assert {"probe", "topology"} <= MODULES["controller"]
    assert {"regulator", "regulator_manifold", "limiter", "limiter_manifold"} <= MODULES["topology"]
    assert reach("controller")["safe_state"] == ["controller", "topology", "limiter", "safe_state"]
    # ... and what only the type checker sees is no import.
    assert "collections.abc" not in MODULES["controller"] and "collections.abc" in ast.dump(
        ast.parse((LIB / "controller.py").read_text()))
