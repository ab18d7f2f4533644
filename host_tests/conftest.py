# Make the firmware (firmware/lib) and the in-repo test support importable under CPython.
import os
import pathlib
import sys

from hypothesis import settings

# Every run draws the same examples (CI and `make test` alike), so a red run always means the
# change, not the dice. HYPOTHESIS_PROFILE=search draws fresh ones (and keeps what fails in
# .hypothesis/ to replay); test_stateful_safety.py has a deeper profile of its own.
settings.register_profile("ci", derandomize=True)
settings.register_profile("search", derandomize=False)
settings.load_profile("search" if os.environ.get("HYPOTHESIS_PROFILE") == "search" else "ci")

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "core"))
sys.path.insert(0, str(HERE.parent / "tools"))

import pulseboot.fw  # noqa: E402,F401  (puts firmware/lib on sys.path, installs the micropython shim)
