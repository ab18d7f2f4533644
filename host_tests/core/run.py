# Runs the core tests under the MicroPython unix port, which has no pytest:
#   micropython -X heapsize=... host_tests/core/run.py [--lib DIR] [name-filter]
# Every function named test_* in every test_*.py beside this file is called;
# the last line is "N passed, N failed" and the exit status is 1 on any failure.
# --lib: the firmware modules to test, e.g. the lib/ of a `pulseboot build` (the .mpy
# files the device loads, as host_tests/test_micropython_vm.py does); firmware/lib
# (the source) by default.
import gc
import os
import sys

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
ARGS = sys.argv[1:]
LIB = HERE + "/../../firmware/lib"
if ARGS[:1] == ["--lib"]:
    LIB = ARGS[1]
    ARGS = ARGS[2:]
sys.path.insert(0, HERE)
sys.path.insert(0, LIB)


_baseline = set(sys.modules)


def main():
    pattern = ARGS[0] if ARGS else ""
    passed = 0
    failed = 0
    module = None
    for fname in sorted(os.listdir(HERE)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        # One test file at a time: unload the previous one so the heap holds only what runs.
        module = None
        for name in list(sys.modules):
            if name not in _baseline:
                del sys.modules[name]
        gc.collect()
        module = __import__(fname[:-3])
        for name in sorted(dir(module)):
            if not name.startswith("test_") or pattern not in fname[:-3] + "::" + name:
                continue
            gc.collect()  # each test starts on a tidy heap, as the firmware's loop does
            try:
                getattr(module, name)()
                passed += 1
            except Exception as e:  # report every failure, keep going
                failed += 1
                print("FAIL %s::%s: %s %s" % (fname, name, type(e).__name__, e))
                sys.print_exception(e)
            if "support" in sys.modules:
                sys.modules["support"].remove_files()  # the settings files a test wrote
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)


main()
