# PulseBoot on the device: board -> drivers -> control loop, and the safe state
# (lib/safe_state.py: pump off, every chamber open to atmosphere) on every way out, through
# the Device's safe(). boot.py has already made the outputs safe before this runs. Flash
# layout: see lib/wiring.py.
#
# The host runs this same file against the simulated plant (tools/pulseboot/run/device_shell.py):
# all hardware comes from the `machine` and `time` modules and every file path starts
# with `root`, so fakes and a temporary directory stand in for the chip and its flash.
import sys

import machine
import time

# Start-up (board, drivers, Controller, settings, telemetry writer): lib/wiring.py.
# Settings (program, levels, session length): /settings.json, see lib/settings_io.py.
# The crash log and the trip log: lib/crashlog.py. (Few names at module level: this
# module's globals stay in RAM while the loop runs.)

ctrl = None  # the running Controller (the host simulator reads it)
hw = None  # the Device
_root = ""  # where the flash files are (the host's simulated flash: a directory)


def run(machine, time, hw, ctrl, wdt_ms, keeper=None, telemetry=None):
    """The control loop, one pass per tick. Returns by exception, or once the controller
    is in maintenance mode (MODE held from power-on) with the outputs safe.
    keeper: a SettingsKeeper, which writes changed settings when the loop is idle;
    telemetry: a Telemetry (lib/telemetry.py), a line every few ticks for a listening host."""
    ticks_ms = time.ticks_ms
    ticks_add = time.ticks_add
    ticks_diff = time.ticks_diff
    sleep_ms = time.sleep_ms
    tick = ctrl.tick_ms
    wdt = None
    fault, zeroing = 0, True  # the fault last seen latched; the first zeroing not over yet
    last = deadline = begun = ticks_ms()
    while True:
        now = ticks_ms()
        dt = ticks_diff(now, last)
        last = now
        ctrl.step(now, hw.read_sensors(), hw.buttons.read())
        hw.write(ctrl.pump, ctrl.inlet, ctrl.vent, dt)
        if ctrl.maintenance:
            return  # safe outputs written, and the watchdog never armed: they were safe throughout
        ctrl.service()  # between ticks: the garment check's code, loaded only while it runs
        if ctrl.fault != fault or (zeroing and ctrl.state):  # a trip (outputs safe already), or zeroed:
            import crashlog  # said, a trip kept in the trip log; loaded for this only (it lets itself go)
            fault, zeroing = crashlog.note(_root, ticks_diff(now, begun), ctrl, hw.led, fault, zeroing)
        hw.led.update(dt, ctrl.state, ctrl.fault, ctrl.buttons.ack)  # the pattern, and the answer to a press
        if telemetry is not None:
            telemetry.tick(dt, ctrl)  # into a preallocated buffer: allocates nothing
        safe = hw.is_safe()
        if wdt is None and not safe:
            # Armed when an output first leaves the safe state: until then a hung loop
            # leaves every chamber vented, and an idle board's REPL stays reachable.
            wdt = machine.WDT(timeout=wdt_ms)
        if wdt is not None and (ctrl.fault == 0 or safe):
            wdt.feed()  # the limiter passed, or it tripped and the pins are safe
        if keeper is not None:
            keeper.tick(dt, ctrl.state)  # a few comparisons; a rare save never mid-wave
        deadline = ticks_add(deadline, tick)
        wait = ticks_diff(deadline, ticks_ms())
        if wait > 0:
            sleep_ms(wait)
        else:
            deadline = ticks_ms()  # overran: no burst of catch-up ticks


def main(root=""):
    global ctrl, hw, _root
    _root = root
    start = time.ticks_ms()
    import gc

    import controller
    import wiring  # start-up only: its code is let go before the loop runs

    hw, ctrl, wdt_ms = wiring.start(root, machine, time.ticks_diff, controller.Controller)
    if ctrl is None:
        return  # no usable board: said, and the outputs are safe
    err = None
    try:
        keeper, telemetry = wiring.loop_parts(root, hw, ctrl, time)
        wiring = None  # type: ignore[assignment]  # (its code let go)
        gc.collect()
        run(machine, time, hw, ctrl, wdt_ms, keeper, telemetry)
        # Maintenance mode: the controller decides it (both shells agree), main.py only stops.
        print("MODE held at start: outputs safe, control loop stopped (REPL free)")
    except Exception as e:
        err = e
    finally:
        # KeyboardInterrupt (Ctrl-C from mpremote) gets the safe state too, but no log
        # and no reset, so a developer lands in the REPL.
        try:
            hw.safe()
        except Exception as e:
            print("safe state not written:", e)
        if err is not None:
            if hasattr(sys, "print_exception"):
                sys.print_exception(err)  # first, in case the log cannot be written
            try:
                import crashlog  # only ever needed here

                crashlog.report(root, err, time.ticks_diff(time.ticks_ms(), start), ctrl)
            except Exception as e:  # the log must never stand between a crash and the reset
                print("crash log not written:", e)
            machine.reset()


if __name__ == "__main__":
    main()
