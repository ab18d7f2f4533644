"""The host package's shape: every file in a folder named for its job, no import cycles,
and the fake board importable by MicroPython (nothing CPython-only at its top)."""
import ast
import pathlib

from pulseboot import fw

PACKAGE = fw.ROOT / "tools" / "pulseboot"
# twin: the live terminal view of a boot and pulseboot twin's app (Textual), apart from report/,
# which writes files after a run.
FOLDERS = {"cli", "plant", "run", "fakeboard", "report", "safety", "twin"}
# Files at the top: one job each, used by several folders or by one command alone
# (custom_programs.py: the firmware's own /programs.json check and install, beside fw.py, for
# sim --program-file and program check; const_fold.py: the build's folding of the constant
# tables into the modules that use them).
TOP = {"__init__.py", "fw.py", "installed.py", "build.py", "flash.py", "bench.py", "docs.py", "pins.py",
       "custom_programs.py", "const_fold.py"}


def _module_name(path):
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path):
    """The pulseboot modules a file imports (at any depth of its code)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pulseboot"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                up = up[:len(up) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            if not base.startswith("pulseboot"):
                continue
            for a in node.names:  # `from pulseboot import run`: the submodule, if it is one
                sub = base + "." + a.name
                found.add(sub if _exists(sub) else base)
    return {m for m in found if _exists(m)}


def _exists(module):
    rel = pathlib.Path(*module.split("."))
    root = PACKAGE.parent
    return (root / rel).with_suffix(".py").exists() or (root / rel / "__init__.py").exists()


def _graph():
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def test_every_host_file_sits_in_a_folder_named_for_its_job():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == FOLDERS
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top == TOP


def test_no_module_imports_another_in_a_cycle():
    graph = _graph()
    state = {}
    cycle = []

    def visit(node, path):
        state[node] = "open"
        for dep in sorted(graph.get(node, ())):
            if dep == node:
                continue
            if state.get(dep) == "open":
                cycle.extend([*path[path.index(dep):], dep])
                return True
            if dep not in state and visit(dep, [*path, dep]):
                return True
        state[node] = "done"
        return False

    for node in sorted(graph):
        if node not in state and visit(node, [node]):
            break
    assert not cycle, " -> ".join(cycle)


def test_the_fake_board_imports_nothing_from_the_rest_of_the_host_package():
    # fakeboard/ runs inside the MicroPython VM too: it may import only itself.
    for path in (PACKAGE / "fakeboard").glob("*.py"):
        for dep in _imports(path):
            assert dep.startswith("pulseboot.fakeboard"), (path.name, dep)
