# main.py's start-up, up to the control loop: the board file, its Device, the Controller, the
# settings restored, the telemetry writer. Start-up only: it drops itself, wiring.py and the
# rest of wiring.startup_modules() before the loop runs, so none of this code holds RAM then
# (main.py keeps only the loop and its way out of it).
import sys

import led
import limits
from settings_io import PATH as SETTINGS_PATH
from settings_io import SettingsKeeper


def device(root, machine, ticks_diff, controller):
    """(Device, Controller, watchdog timeout ms) for the board named in root's board file;
    (None, None, 0) when the drivers or the core reject that board: said on the console,
    the outputs left safe. controller: the Controller class (only main.py imports the core)."""
    # Without a board nothing is driven (gate pull-downs hold every output off), so a
    # missing or wrong board file stops here with its message, not in a reset loop.
    import wiring

    board = wiring.load_board(root + wiring.BOARD_FILE)
    hw = None
    try:
        hw = wiring.build(machine, board)
        ctrl = controller(board, ticks_diff)
    except Exception as e:
        # A board the drivers or the core reject is no board either: boot.py left the
        # outputs safe, a reset would only fail the same way (and rewrite the crash log).
        if hw is not None:
            hw.safe()
        print("board %s not usable, control loop not started:" % board.get("name"), e)
        return None, None, 0
    # What only start-up needed (the board file, wiring.py, topology.py, safe_state.py, and
    # this module once main.py lets it go) is dropped here, so its code holds no RAM in the loop.
    for name in wiring.startup_modules(board):
        sys.modules.pop(name, None)
    sys.modules.pop("startup", None)
    return hw, ctrl, board.get("wdt_timeout_ms", limits.WDT_TIMEOUT_MS)


def loop_parts(root, hw, ctrl, time):
    """(keeper, telemetry): the settings keeper, with the saved settings restored into the
    controller (defaults, said on the console and by the LED, when they cannot be used), and
    the telemetry writer (None where there is no serial byte stream). time: the clock module."""
    try:  # the programs of /programs.json join the built-in ones, before the settings name one
        open(root + "/programs.json").close()
        import program_file  # (it lets itself go)

        program_file.add(root, ctrl, hw.led)
    except OSError:
        pass  # none
    keeper = SettingsKeeper(root + SETTINGS_PATH, ctrl)
    if keeper.restore():
        # Defaults are running; the file stays as it is until a setting changes.
        print("settings reset:", keeper.problem)
        hw.led.show(led.SETTINGS_RESET, led.SETTINGS_RESET_MS)
    # The telemetry line goes on the USB serial port (the console's byte stream), where there is one.
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        return keeper, None
    import telemetry

    return keeper, telemetry.Telemetry(out.write, ctrl.chambers, time.ticks_us, time.ticks_diff)
