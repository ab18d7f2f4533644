"""A device's life on the fake board: power on, boot.py, main.py, and what follows its end.

Written once for both device shells: the CPython one (pulseboot/run/device_shell.py) and
the MicroPython one (tools/mp/sil_shell.py). So this file runs in both interpreters.

The life ends when virtual time reaches world.stop_ms (StopSimulation out of
time.sleep_ms, after main.py's finally has run), when main() returns (maintenance mode
leaves the REPL free), or when the firmware resets the board (machine.reset() or a
watchdog bite). After a reset the chip restarts: one row shows the pins as the firmware
left them, then every pin floats to its pull resistor, boot.py runs again and the plant
runs on (main.py is not started again) up to end_ms, or for tail_ms. After a return the
plant runs on up to end_ms.

A power cut (the 'power-cycle' board fault) is different: the pins float for
world.POWER_OFF_MS, then the chip starts from scratch (every module the firmware imported
is forgotten), boot.py and main.py run again, and the life goes on.
"""
import sys

from .machine import MachineReset, StopSimulation
from .world import POWER_OFF_MS

TICK_MS = 25  # the firmware's control period: rows after the end come this often
RESET = 0  # tail-row codes: the chip was reset (or is without power) ...
REPL = 1  # ... or main() returned
FAKED = ("machine", "time", "neopixel")  # the modules the firmware imports from the chip
RESET_CAUSES = ("reset", "wdt", "soft")


def live(world, load, root, end_ms=None, tail_ms=1000, on_tick=None, on_tail=None):
    """Power the fake board on and run the firmware on it.

    load(name): the firmware's "boot" or "main" module, imported afresh;
    on_tick(main): called at the end of every control tick (from time.sleep_ms);
    on_tail(code, main): a row after the end, code RESET or REPL (main may be None).
    Returns (ended, wdt_feeds, main): ended is "duration", "returned" or a reset cause."""
    saved = {}
    for name in FAKED:
        saved[name] = sys.modules.get(name)
    before = set(sys.modules)
    tail = on_tail if on_tail is not None else _no_row
    running = [None]  # main.py's module in this life
    if on_tick is not None:
        tick = on_tick
        world.on_tick = lambda: tick(running[0])
    feeds = 0
    try:
        while True:
            sys.modules["machine"] = world.machine
            sys.modules["time"] = world.time
            sys.modules["neopixel"] = world.neopixel
            boot = load("boot")
            boot.safe_outputs(root)
            running[0] = main = load("main")
            try:
                main.main(root)
                ended = "returned"
            except StopSimulation:
                ended = "duration"
            except MachineReset as r:
                ended = r.cause
            feeds += world.wdt.feeds if world.wdt is not None else 0
            if ended != "power":
                break
            if not _power_off(world, main, tail):
                ended = "duration"
                break
            for name in list(sys.modules):  # a cold start: nothing the firmware imported survives
                if name not in before:
                    sys.modules.pop(name)
        world.on_tick = None
        world.stop_ms = None
        if ended != "duration":
            _after(world, boot, root, main, ended, end_ms, tail_ms, tail)
    finally:
        world.on_tick = None
        for name in FAKED:
            if saved[name] is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = saved[name]
    return ended, feeds, main


def _power_off(world, main, tail):
    """The supply is gone for POWER_OFF_MS: pins float, the plant runs on. False if the run's
    time ends first."""
    world.power_cycle()
    off_until = world.clock.elapsed_ms + POWER_OFF_MS
    while world.clock.elapsed_ms < off_until:
        if world.stop_ms is not None and world.clock.elapsed_ms >= world.stop_ms:
            return False
        tail(RESET, main)
        _advance(world)
    return True


def _advance(world):
    """A tick once the firmware has stopped: a power cut due now (a second 'power-cycle', or one
    after a watchdog reset) finds no firmware to stop; the pins float to their pulls again."""
    try:
        world.advance(TICK_MS)
    except MachineReset:
        world.power_cycle()
        return True
    return False


def _after(world, boot, root, main, ended, end_ms, tail_ms, tail):
    """What the pins and the plant do once the firmware has stopped."""
    if ended == "returned":
        if end_ms is None:
            return
        code = REPL
        tail(code, main)
    else:
        code = RESET
        tail(code, main)  # the pins as the firmware left them
        # The chip restarts: pins float to their pulls, then boot.py runs again.
        world.power_cycle()
        boot.safe_outputs(root)
        if end_ms is None:
            end_ms = world.clock.elapsed_ms + tail_ms
    while world.clock.elapsed_ms < end_ms:
        if _advance(world) and code == RESET:
            boot.safe_outputs(root)  # the chip restarts; boot.py vents again
        tail(code, main)


def _no_row(code, main):
    pass
