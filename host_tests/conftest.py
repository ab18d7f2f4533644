# Make the firmware (firmware/lib) and the in-repo test support importable under CPython.
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "core"))
sys.path.insert(0, str(HERE.parent / "tools"))

import pulseboot.fw  # noqa: E402,F401  (puts firmware/lib on sys.path, installs the micropython shim)
