# The control core: one plain object, one entry point, no hardware and no clock.
#   step(now_ms, readings, buttons) -> outputs in self.pump / self.inlet / self.vent
# The device's main.py and the host simulator are both thin shells around it. A shell
# stops stepping once `maintenance` is set (MODE held from power-on, see step()).
from micropython import const

import buttons
import faults
import limits
import programs
from faults import FAULT, IDLE, NO_READING, PAUSED, RUNNING, ZEROING

_MAX_DT = const(1000)  # a stalled loop must not make timers jump further than this
_ZERO_WINDOW_MS = const(1000)  # average this long for each zero estimate
# Three windows in a row this close (the last to each of the two before it): the chambers
# have stopped venting. A slow vent falls more than this in a second or two.
_ZERO_AGREE_DMMHG = const(4)
_WATCH_SHIFT = const(4)  # the zeros' filter for the garment check: a sixteenth of each new reading
# After the garment check its puffs of air are let out before the first fill (a fill that
# starts on air left in the chamber takes less, and would set the next fill's air too low).
_AIR_OUT_MS = const(1500)
# How a press is answered (buttons.ack, for the tick of the press): led.py's ACKS holds what
# each looks and sounds like, by this number. A count (the program's number, the session
# length's step) rides above the kind: ack = kind | count << _ACK_SHIFT.
_ACK_BEEP = const(1)  # taken: START (start, pause, resume, a fault cleared), a level step
_ACK_END = const(2)  # a level step at the end of its range (the sensors' included); a session stopped
_ACK_REFUSED = const(3)  # a press that does nothing in this state
_ACK_CHIME = const(4)  # the session's time is up: it has stopped and vented
_ACK_PROGRAM = const(5)  # a program selected (short MODE while idle); count: its number
_ACK_SESSION = const(6)  # a session length selected (long MODE while idle); count: its step
_ACK_SHIFT = const(4)
# The types of what topology.assemble() builds, for the type checker only: it takes _TYPES for
# true (tools/mypy-micropython.ini); MicroPython compiles `if 0:` away, and ignores annotations.
_TYPES = const(0)
if _TYPES:
    from array import array
    from collections.abc import Callable

    from buttons import Buttons
    from limiter import Limiter
    from probe import Probe
    from regulator import Regulator
    from regulator_manifold import ManifoldRegulator
    from scheduler import Scheduler


class Controller:
    tick_ms = 25  # the shells call step() this often
    session_steps_min = (10, 20, 30, 45, 60)  # what a long MODE press while idle steps through
    zero_timeout_ms = 15000
    # Built by topology.assemble() (start-up only code): what each attribute holds.
    chambers: int
    sensors: int
    chamber_vents: bool
    single_sensor: bool
    scheduler: "Scheduler"
    regulator: "Regulator | ManifoldRegulator"
    limiter: "Limiter"
    buttons: "Buttons"
    probe: "Probe"  # or None (no check), or 0 (asked for: its code not loaded yet)
    checking: bool
    _probed: bool
    _ticks_diff: "Callable[[int, int], int]"
    _last: int
    _started: bool
    peak: list
    inlet: list
    vent: list
    pump: int
    state: int
    fault: int
    sensed: list
    pressure: list
    stale_ms: list
    zero_f: "array"
    sensor_span: int
    level_cap: int
    _offset: list
    _zero_sum: list
    _zero_prev: list
    _zeroed: bool
    _start_pending: bool
    maintenance: bool
    _mode_held_ms: int
    levels: list
    program: int
    session_ms: int
    session_left_ms: int

    def __init__(self, board, ticks_diff, program=0, level=0, session_min=limits.SESSION_DEFAULT_MIN):
        import topology  # start-up only: main.py drops it once the loop starts (and this code with it)

        topology.assemble(self, board, ticks_diff, program, level, session_min)

    # ---- settings the shells and the UI use -------------------------------------------
    def can_run(self, index):
        """Distal release needs a vent valve on every chamber; no program may keep a chamber
        above the tourniquet pressure longer than the limit (programs.held_ms)."""
        return ((self.chamber_vents or not programs.needs_chamber_vents(index))
                and programs.held_ms(index, self.chambers) <= limits.TOURNIQUET_MS)

    def select_program(self, index):
        if 0 <= index < programs.COUNT and self.can_run(index):
            self.program = index
            return True
        return False

    @property
    def level(self):
        return self.levels[self.program]

    def level_in_use(self):
        """The chosen level, lowered to what the sensors can watch (see level_cap), a boost included."""
        level = self.levels[self.program]
        cap = self.level_cap - programs.above_level(self.program)
        return level if level < cap else cap

    @property
    def cycles(self):
        return self.scheduler.cycles

    # ---- the tick ------------------------------------------------------------------------
    def step(self, now, readings, raw_buttons):
        if self._started:
            dt = self._ticks_diff(now, self._last)
            dt = 0 if dt < 0 else (_MAX_DT if dt > _MAX_DT else dt)
        else:
            dt = 0
            self._started = True
        self._last = now
        self._read(dt, readings)
        self.buttons.update(dt, raw_buttons)
        if self._mode_held_ms < 0:
            self.buttons.ack = self._ui(dt)
        elif not self.maintenance:
            # MODE held since power-on: no button acts and the outputs stay safe until it is
            # let go, or, held long enough, for good (maintenance mode). A shorter hold is
            # swallowed whole, its release included: whoever let go early was reaching for
            # maintenance mode, not for the next program. Raw or debounced, so the debounce
            # time at either end does not cut the hold short.
            if (raw_buttons | self.buttons.pressed) & (1 << buttons.MODE):
                self._mode_held_ms += dt
                self.maintenance = self._mode_held_ms >= buttons.MAINTENANCE_HOLD_MS
            else:
                self._mode_held_ms = -1
        if self._zeroed and not self.checking:  # (before zeroing a reading is no pressure yet;
            self.scheduler.rest(dt, self.pressure)  # the check's puff of air unloads no limb)
        if self.state == IDLE or self.state == PAUSED or self.state == ZEROING:
            self._watch()
        if self.checking:
            probe = self.probe
            if probe is None:  # asked this tick: the loop loads its code between ticks
                self.probe = 0  # type: ignore[assignment]
                self.pump = 0
            elif probe == 0:  # (a shell that never calls service(): here, then)
                self.service()
                probe = self.probe
            if probe:
                self.pump = probe.step(dt, self.sensed, self.inlet, self.vent)
            if probe and probe.done:
                self.checking = False
                if probe.fault:
                    self._enter_fault(self.limiter.trip(probe.fault, probe.chamber, probe.value, probe.limit))
                else:
                    self._probed = True
                    self.scheduler.start(self.program, self.level_in_use(), _AIR_OUT_MS)
        else:
            if self.state == RUNNING:
                self.scheduler.step(dt, self.regulator.reached, self.pressure)
            sched = self.scheduler
            if self.single_sensor:
                self.regulator.step(dt, sched.mode, sched.target, self.sensed[0])
            else:
                self.regulator.step(dt, sched.mode, sched.target, self.pressure)
            self.pump = self.regulator.pump
        if self.state == ZEROING:
            fault = self.limiter.check_sensors()
        else:
            fault = self.limiter.check(dt, self.pump)
            if self.limiter.hush:
                self.pump = 0
        if fault:
            self._enter_fault(fault)
        if self.state == FAULT or self.state == ZEROING or self._mode_held_ms >= 0:
            self.pump = self.limiter.force_safe()

    def service(self):
        """Between ticks, where the shell may allocate (main.py's loop calls it every pass):
        load the garment check's code when a START needs it, let it go once it is over."""
        if self.checking and not self.probe:  # (None, or 0: asked for)
            from probe import Probe

            self.probe = Probe(self.chambers, self.sensors, self.zero_f)
        elif not self.checking and self.probe is not None:
            self.probe = None  # type: ignore[assignment]
            import sys

            sys.modules.pop("probe", None)

    def _watch(self):
        z = self.zero_f  # the zeros, then the spread and the ticks watched
        s = self.sensors
        spread = 0
        sensed = self.sensed
        for i in range(s):
            d = (sensed[i] << _WATCH_SHIFT) - z[i]
            if not z[s + 1]:
                d = 0
                z[i] = sensed[i] << _WATCH_SHIFT
            z[i] += (d + 8) >> _WATCH_SHIFT  # rounded: a floored filter settles low
            spread += d if d > 0 else -d
        if z[s + 1] < 0x3FFFFFFF:
            z[s + 1] += 1
        z[s] += (spread // s - z[s]) >> _WATCH_SHIFT

    def _read(self, dt, readings):
        for i in range(self.sensors):
            r = readings[i]
            if r == NO_READING:
                if self.stale_ms[i] < 0x3FFFFFFF:
                    self.stale_ms[i] += dt
                continue
            self.stale_ms[i] = 0
            if self.state == ZEROING:
                self._zero_sum[i] += r
            self.sensed[i] = r - self._offset[i]
        if self.state == ZEROING:
            self._zero_sum[self.sensors] += 1
            self._zero(dt)

    def _restart_zeroing(self):
        self.state = ZEROING
        self._zeroed = False
        for i in range(len(self._zero_sum)):
            self._zero_sum[i] = 0
        for i in range(len(self._zero_prev)):
            self._zero_prev[i] = 0

    def _zero(self, dt):
        # Zero only once three windows in a row agree: a board reset mid-session boots with
        # chambers still venting, and their falling pressure is not zero.
        z = self._zero_sum  # per sensor the window's sum; then its readings, ms, windows so far
        s = self.sensors
        z[s + 1] += dt
        if z[s + 1] < _ZERO_WINDOW_MS:
            return
        settled = z[s + 2] > 1
        prev = self._zero_prev
        for i in range(s):
            mean = z[i] // z[s]
            if abs(mean - prev[i]) > _ZERO_AGREE_DMMHG or abs(mean - prev[s + i]) > _ZERO_AGREE_DMMHG:
                settled = False
            prev[s + i] = prev[i]
            prev[i] = mean
            z[i] = 0
        z[s] = 0
        z[s + 1] = 0
        z[s + 2] += 1
        if not settled:
            if z[s + 2] * _ZERO_WINDOW_MS > self.zero_timeout_ms:  # (each window at least that long)
                self._enter_fault(self.limiter.trip(faults.ZERO_OFFSET, -1))
            return
        for i in range(self.sensors):
            if abs(self._zero_prev[i]) > limits.ZERO_OFFSET_MAX_DMMHG:
                self._enter_fault(self.limiter.trip(faults.ZERO_OFFSET, i))
                return
        for i in range(self.sensors):
            self._offset[i] = self._zero_prev[i]
            self.sensed[i] -= self._offset[i]
        if self.single_sensor:
            self.regulator.read_all_open(self.sensed[0])  # type: ignore[union-attr]  # (every chamber open)
        cap = self.sensor_span
        for i in range(self.sensors):
            if self.sensor_span - self._offset[i] < cap:
                cap = self.sensor_span - self._offset[i]
        cap -= limits.TRIP_MARGIN_DMMHG
        self.level_cap = cap - cap % limits.LEVEL_STEP_DMMHG
        self._zeroed = True
        for i in range(self.sensors):
            self.zero_f[i] = 0  # each reads zero on average now
        self.state = IDLE
        if self._start_pending:
            self._start()

    # ---- buttons and states ------------------------------------------------------------
    def _ui(self, dt):
        """The buttons' effect; returns the answer to this tick's presses (_ACK_*, 0: none)."""
        short = self.buttons.short
        long = self.buttons.long
        state = self.state
        ack = _ACK_REFUSED if short | long else 0  # unless what a press asks for is done below
        if state == FAULT:
            if long & (1 << buttons.START):
                self.limiter.clear()
                if self._zeroed and self.fault != faults.ZERO_OFFSET:
                    self.state = IDLE
                else:
                    self._restart_zeroing()  # no trusted offsets (yet, or any more): measure them again
                self.fault = faults.NONE
                ack = _ACK_BEEP
            return ack
        if state == ZEROING:
            if short & (1 << buttons.START):
                self._start_pending = True  # pressed right after power-on: start once zeroed
                ack = _ACK_BEEP
            elif long & (1 << buttons.START) and self._start_pending:
                self._start_pending = False  # a long START stops, here too: the session never begins
                ack = _ACK_END
            return ack
        if long & (1 << buttons.START):
            self._stop()
            return _ACK_END if state != IDLE else ack
        if short & (1 << buttons.UP):
            ack = self._change_level(limits.LEVEL_STEP_DMMHG)
        if short & (1 << buttons.DOWN):
            ack = self._change_level(-limits.LEVEL_STEP_DMMHG)
        if state == IDLE:
            if short & (1 << buttons.MODE):
                ack = self._next_program()
            if long & (1 << buttons.MODE):
                ack = self._next_session_length()
            if short & (1 << buttons.START):
                self._start()
                ack = _ACK_BEEP
        elif state == RUNNING:
            if short & (1 << buttons.START):
                self.state = PAUSED
                self.checking = False
                self.scheduler.stop()  # a paused limb is never left under pressure
                return _ACK_BEEP
            self.session_left_ms -= dt
            if self.session_left_ms <= 0:
                self._stop()  # every chamber vented
                ack = _ACK_CHIME
        elif state == PAUSED:
            if short & (1 << buttons.START):
                self.state = RUNNING
                self._begin()
                ack = _ACK_BEEP
        return ack

    def _start(self):
        self._start_pending = False
        self._probed = False  # every session begins with the garment check
        self.session_left_ms = self.session_ms
        self.scheduler.cycles = 0
        self.state = RUNNING
        self._begin()

    def _begin(self):
        # Also the resume after a pause: the wave restarts from the foot.
        self.limiter.fill_timeout_ms = min(programs.PROGRAMS[self.program][programs.INFLATE_MS], limits.FILL_TIMEOUT_MS)
        if self._probed:
            self.scheduler.start(self.program, self.level_in_use())
        else:
            self.checking = True  # (service() loads the check's code before the next tick)

    def _stop(self):
        self.state = IDLE
        self.checking = False
        self.scheduler.stop()

    def _change_level(self, delta):
        level = programs.clamp_level(self.program, self.levels[self.program] + delta)
        self.levels[self.program] = level
        self.scheduler.set_level(self.level_in_use())
        self.limiter.relearn()  # new targets: new air to reach them
        # The end of the range: one more step this way would change nothing the limb feels.
        if programs.clamp_level(self.program, level + delta) == level or (delta > 0 and self.level_in_use() < level):
            return _ACK_END
        return _ACK_BEEP

    def _next_program(self):
        for step in range(1, programs.COUNT + 1):
            if self.select_program((self.program + step) % programs.COUNT):
                self.limiter.relearn()
                break
        return _ACK_PROGRAM | (self.program + 1) << _ACK_SHIFT

    def _next_session_length(self):
        """The next of session_steps_min above the length now (after the last, the first); the
        settings keeper saves it."""
        steps = self.session_steps_min
        i = 0
        while i < len(steps) and steps[i] * 60000 <= self.session_ms:
            i += 1
        if i == len(steps):
            i = 0
        self.session_ms = self.session_left_ms = steps[i] * 60000
        return _ACK_SESSION | (i + 1) << _ACK_SHIFT

    def _enter_fault(self, code):
        self.fault = code
        self.state = FAULT
        self._start_pending = False  # a START pressed before the fault does not outlive it
        self.checking = False
        self.scheduler.stop()
        self.regulator.reset()
