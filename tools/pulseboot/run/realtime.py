"""The device shell on a leash: the unmodified firmware/boot.py and main.py on the fake board
against the plant, stepped from outside instead of run to an end (`pulseboot twin`).

The device's life (fakeboard/lifecycle.py) runs in a worker thread. At the end of every
control tick (the firmware's time.sleep_ms, where virtual time passes) the thread records a
Frame of what a user would see and, once it has reached the virtual time it was allowed,
waits on a condition until the caller allows more (run_for) or stops it (stop). So the
caller paces the firmware against any clock, real time or sped up, without busy-waiting;
the firmware itself is never told.

Everything that changes the board (button presses, injected plant faults) is queued by
the caller and applied by the worker between two ticks, so the World and the plant are only
ever touched by one thread. Stopping raises StopSimulation out of the firmware's sleep:
main.py's `finally` writes the safe state (pump off, every chamber vented) as on any way
out, and outputs_safe() checks the pins afterwards.
"""
import pathlib
import shutil
import sys
import tempfile
import threading
import time as _host_time
import types
from collections import namedtuple

from pulseboot import fw
from pulseboot.fakeboard import lifecycle
from pulseboot.fakeboard.clock import VirtualClock
from pulseboot.fakeboard.machine import StopSimulation
from pulseboot.fakeboard.world import World
from pulseboot.run.device_shell import BOOT, MAIN, load_file
from pulseboot.run.scenario import BUTTONS, HOLD_MS, RELEASE_MS, TAP_MS, plant_for, pump_percent

import settings as fw_settings  # firmware/lib, importable once fw is loaded
import settings_io as fw_settings_io

MODES = ("vent", "hold", "fill")  # scheduler.py's chamber modes, by number

# What a live view shows, as of the end of one control tick (t_ms of virtual time). Pressures
# in mmHg, chamber 1 (the most distal) first: pressure_mmhg is the plant's true pressure (None
# where no plant is known, e.g. on a bench), reading_mmhg what the firmware believes,
# target_mmhg this wave's peak targets (while RUNNING) or those START would aim for. state,
# program and fault are names; modes "fill"/"hold"/"vent"; inlet and vent 1 per chamber fed
# or vented (as the pins drive them); pump_pct the pump's duty. led and buzzer: lit/sounding
# now; led_flashes and buzzes count how often each came on, so a view drawn less often than
# every tick still shows a short flash; led_rgb the WS2812's colour (None on a plain LED);
# buttons the bitmask held.
Frame = namedtuple("Frame", (
    "t_ms state program fault level_mmhg level_in_use_mmhg session_ms session_left_ms cycles "
    "pump_pct pressure_mmhg reading_mmhg target_mmhg modes inlet vent led led_flashes led_rgb buzzer buzzes "
    "buttons"))


class _ThreadTime(types.ModuleType):
    """sys.modules["time"] while the device lives: the fake board's time for the device's
    thread, the host's for every other. lifecycle.live() installs the World's time module
    for the firmware's `import time`; without this, code in another thread importing time
    in that window would get the fake one, whose sleep moves the board."""

    def __init__(self, fake):
        super().__init__("time")
        self._fake = fake
        self._owner = None  # the device thread's id

    def __getattr__(self, name):
        if threading.get_ident() == self._owner:
            return getattr(self._fake, name)
        return getattr(_host_time, name)


class DeviceTwin:
    """One board running the firmware against the plant, paced by the caller.

    board: a board name (boards/); params: plant parameters (plant.PRESETS[...]);
    program: an index into programs.PROGRAMS; level: dmmHg, whole mmHg (0: the program's
    default); session_min: None for the firmware's default. They reach main.py the way they
    reach the device: in settings.json on its (temporary) flash."""

    def __init__(self, board, params, program=0, level=0, seed=0, session_min=None):
        self.board = fw.load_board(board)
        self.chambers = self.board["chambers"]
        self.plant = plant_for(self.board, params, seed)
        self.world = World(self.board, self.plant, VirtualClock(), (), seed=seed)
        self._time = self.world.time = _ThreadTime(self.world.time)
        self.buzzer_fitted = "buzzer_pin" in self.board
        saved = fw_settings.Settings("")
        saved.program = program
        if level:
            saved.levels[program] = fw.programs.clamp_level(program, level)
        if session_min is not None:
            saved.session_min = session_min
        self.root = tempfile.mkdtemp(prefix="pulseboot-twin-")
        pathlib.Path(self.root, "board.txt").write_text(self.board["name"] + "\n")
        pathlib.Path(self.root, fw_settings_io.PATH.lstrip("/")).write_text(saved.to_json())
        self._cond = threading.Condition()
        self._until_ms = 0  # the device may run up to this virtual time
        self._waiting = False  # blocked at _until_ms
        self._stopping = False
        self._queue = []  # ("press", bit, hold_ms) or ("fault", kind, chamber), for the next tick
        self._free_ms = [0] * len(BUTTONS)  # when each button may next be pressed
        self._begins_ms = [0] * len(BUTTONS)  # when each button's last press begins
        self._led_was = self._buzzer_was = False
        self._flashes = self._buzzes = 0  # times the LED lit and the buzzer sounded: none is missed between frames
        self._targets = [0] * self.chambers
        self.frame = None  # the last Frame
        self.main = None  # main.py's module while it runs (main.ctrl: its Controller)
        self.ended = None  # None while alive; then "stopped", "returned", a reset cause, or "error"
        self.error = None  # the exception that ended the shell itself (not the firmware)
        self._thread = threading.Thread(target=self._live, name="pulseboot-twin-device", daemon=True)

    # ---- the caller's side ---------------------------------------------------------------
    def start(self):
        self._thread.start()

    def run_for(self, ms, behind_ms=1000):
        """Let the device run ms more of virtual time, after what it was already allowed. If
        it is more than behind_ms short of that (the host cannot keep up), the shortfall is
        dropped: the device then runs slower than asked rather than in bursts."""
        with self._cond:
            now = self.world.clock.elapsed_ms
            self._until_ms = min(max(self._until_ms, now), now + behind_ms) + ms
            if self._until_ms > now:
                self._waiting = False  # until the device has caught up (settle)
            self._cond.notify_all()

    def press(self, button, long=False):
        """Press a button (a BUTTONS name) at the next tick, for HOLD_MS when long, else
        TAP_MS. A press of a button still held, or let go less than RELEASE_MS before,
        follows it, so the firmware sees each one; one more while that one still waits to
        begin is dropped (a key held down repeats far faster than presses can follow)."""
        with self._cond:
            self._queue.append(("press", BUTTONS.index(button), HOLD_MS if long else TAP_MS))

    def inject(self, kind, chamber=0):
        """A plant fault (plant.FAULTS) at the next tick; the firmware is never told."""
        with self._cond:
            self._queue.append(("fault", kind, chamber))

    def settle(self, timeout=5.0):
        """Wait until the device has run up to what run_for allowed (or has ended). True if so."""
        with self._cond:
            return self._cond.wait_for(lambda: self._waiting or self.ended is not None, timeout)

    def snapshot(self):
        with self._cond:
            return self.frame

    def stop(self, timeout=5.0):
        """End the device's life: main.py's finally writes the safe state. True once the thread
        has ended (it always has unless the firmware hangs outside its sleep)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self):
        """stop(), then remove the temporary flash directory."""
        stopped = self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        return stopped

    def crash_log(self):
        """The text of the crash log main.py keeps on its flash ('' when there is none)."""
        try:
            return pathlib.Path(self.root, "crash.log").read_text()
        except OSError:
            return ""

    def outputs_safe(self):
        """True when the pins leave the pump off and every chamber open to atmosphere."""
        pump, _inlet, _vent, _exhaust, _fed, vented = self.world.sample()
        return pump == 0 and all(vented)

    # ---- the device's thread ---------------------------------------------------------------
    def _live(self):
        self._time._owner = threading.get_ident()
        repo = str(fw.ROOT)  # boards/ is imported as the package `boards`, as from /lib on the chip
        added = repo not in sys.path
        if added:
            sys.path.append(repo)
        files = {"boot": BOOT, "main": MAIN}
        main = None
        try:
            ended, _feeds, main = lifecycle.live(
                self.world, lambda name: load_file(files[name], "pulseboot_twin_" + name), self.root,
                on_tick=self._tick)
            ended = "error" if self.error is not None else ("stopped" if ended == "duration" else ended)
        except BaseException as e:  # the shell's own failure, shown by the caller, never a hang
            self.error = e
            ended = "error"
        finally:
            if added and repo in sys.path:
                sys.path.remove(repo)
        with self._cond:
            self.frame = self._frame(main, ended)
            self.ended = ended
            self._cond.notify_all()

    def _tick(self, main):
        """The end of one control tick (from the firmware's time.sleep_ms)."""
        clock = self.world.clock
        self.main = main
        with self._cond:
            try:
                self.frame = self._frame(main)
            except Exception as e:  # a fault of this shell, not the firmware's: end here, not in main.py's except
                self.error = e
                raise StopSimulation from e
            while clock.elapsed_ms >= self._until_ms and not self._stopping:
                self._waiting = True
                self._cond.notify_all()
                self._cond.wait()
            self._waiting = False
            if self._stopping:
                raise StopSimulation  # out of main.py's loop, through its finally
            queue, self._queue = self._queue, []
        for item in queue:
            if item[0] == "press":
                _, bit, hold = item
                if self._begins_ms[bit] > clock.elapsed_ms:
                    continue  # one press of this button already waits
                start = max(clock.elapsed_ms, self._free_ms[bit])
                self.world.press(1 << bit, start, start + hold)
                self._begins_ms[bit] = start
                self._free_ms[bit] = start + hold + RELEASE_MS
            else:
                self.plant.inject(item[1], item[2])
                self.plant.read_sensors(self.world.readings)

    def _frame(self, main, ended=None):
        world = self.world
        out = world.outputs if ended is None and world.outputs is not None else world.sample()
        ctrl = getattr(main, "ctrl", None) if main is not None else None
        led = world.led_on()
        rgb = world.pixels.get(self.board["led_pin"])
        if self.buzzer_fitted:
            buzzer = world.pin(self.board["buzzer_pin"]).level == 1
        else:
            # No buzzer on this board: what one on buzzer_pin would do, as led.py drives it.
            hw = getattr(main, "hw", None) if main is not None else None
            buzzer = bool(hw is not None and hw.led.buzz and ended is None)
        if led and not self._led_was:
            self._flashes += 1
        if buzzer and not self._buzzer_was:
            self._buzzes += 1
        self._led_was, self._buzzer_was = led, buzzer
        n = self.chambers
        reading = [None] * n
        modes = [""] * n
        if ctrl is None:
            state, program, fault = "OFF", "", ""
            level = in_use = None
            session_ms = left = cycles = 0
            targets = [0] * n
        else:
            state = fw.faults.STATE_NAMES[ctrl.state]
            program = fw.programs.NAMES[ctrl.program]
            fault = fw.faults.NAMES[ctrl.fault]
            level = ctrl.levels[ctrl.program] / 10
            in_use = ctrl.level_in_use() / 10
            session_ms, left, cycles = ctrl.session_ms, ctrl.session_left_ms, ctrl.cycles
            if ctrl.state == fw.faults.RUNNING:
                targets = ctrl.peak  # this wave's (a level change applies from the next)
            else:  # what START would aim for
                targets = self._targets
                fw.programs.fill_targets(ctrl.program, n, ctrl.level_in_use(), targets)
            for i in range(n):
                reading[i] = ctrl.pressure[i] / 10 if i < len(ctrl.pressure) else None
                modes[i] = MODES[ctrl.scheduler.mode[i]]
        if ended is not None:
            state = {"stopped": state, "returned": "REPL"}.get(ended, "RESET")
        return Frame(
            world.clock.elapsed_ms, state, program, fault, level, in_use, session_ms, left, cycles,
            pump_percent(out[0]), list(self.plant.true_mmhg), reading, [t / 10 for t in targets], modes,
            list(out[4]), list(out[5]), led, self._flashes, rgb, buzzer, self._buzzes, world.buttons_held())
