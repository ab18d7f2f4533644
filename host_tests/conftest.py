# Make the firmware (firmware/lib) and the in-repo test support importable under CPython.
import os
import pathlib
import sys

from hypothesis import settings

# CI draws the same examples every run, so a red CI always means the change, not the dice.
settings.register_profile("ci", derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "core"))
sys.path.insert(0, str(HERE.parent / "tools"))

import pulseboot.fw  # noqa: E402,F401  (puts firmware/lib on sys.path, installs the micropython shim)
