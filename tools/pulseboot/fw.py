"""Make the device firmware importable under CPython.

The firmware in firmware/lib is MicroPython; on the host the only thing it needs
that CPython lacks is the `micropython` module (const and friends), provided here.
Everything the host runs is the same source the device runs.
"""
import importlib.util
import pathlib
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
LIB = FIRMWARE / "lib"
BOARDS = ROOT / "boards"


def _install_micropython_shim():
    if "micropython" in sys.modules:
        return
    shim = types.ModuleType("micropython")
    shim.const = lambda x: x
    shim.native = lambda f: f
    shim.viper = lambda f: f
    shim.schedule = lambda f, arg: f(arg)
    shim.alloc_emergency_exception_buf = lambda n: None
    shim.heap_lock = lambda: None
    shim.heap_unlock = lambda: 0
    sys.modules["micropython"] = shim


_install_micropython_shim()
if str(LIB) not in sys.path:
    sys.path.insert(0, str(LIB))

import faults  # noqa: E402
import limits  # noqa: E402
import programs  # noqa: E402


def board_names():
    """Board names as the device knows them, sorted."""
    return sorted(load_board_file(p)["name"] for p in BOARDS.glob("*.py"))


def load_board_file(path):
    spec = importlib.util.spec_from_file_location("board_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BOARD


def load_board(name):
    """The BOARD dict of the named board; KeyError naming the allowed ones."""
    path = BOARDS / (name.replace("-", "_") + ".py")
    if not path.exists():
        raise KeyError("unknown board %r; allowed: %s" % (name, ", ".join(board_names())))
    return load_board_file(path)


DEFAULT_BOARD = "esp32-devkitc-4ch"

__all__ = ["DEFAULT_BOARD", "board_names", "faults", "limits", "load_board", "programs"]
