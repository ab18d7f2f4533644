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
from limiter import Limiter
from scheduler import Scheduler

_MAX_DT = const(1000)  # a stalled loop must not make timers jump further than this


class Controller:
    tick_ms = 25  # the shells call step() this often
    zero_window_ms = 1000  # average this long for each zero estimate
    zero_agree_dmmhg = 10  # two windows this close = chambers have stopped venting
    zero_timeout_ms = 15000

    def __init__(self, board, ticks_diff, program=0, level=0, session_min=limits.SESSION_DEFAULT_MIN):
        import topology  # start-up only: main.py drops it once the loop starts

        n = board["chambers"]
        self.chambers = n
        self._ticks_diff = ticks_diff
        self._last = 0
        self._started = False
        self.chamber_vents = topology.chamber_vents(board)
        self.single_sensor = topology.single_sensor(board)
        if self.single_sensor == self.chamber_vents:
            # A shared exhaust can only vent while nothing fills, which only the manifold
            # regulator plans for; it reads the manifold sensor, not one per chamber.
            raise ValueError("board %s: topology %s goes with %s" % (
                board["name"], board.get("topology"), "sensor_at 'manifold'" if not self.chamber_vents
                else "a sensor per chamber"))
        self.scheduler = Scheduler(n)
        # Only the regulator this board needs is loaded: RAM on the chip is scarce. Both
        # offer the same outputs (pump, inlet, vent, reached) and reset().
        if self.single_sensor:
            from regulator_manifold import ManifoldRegulator as BoardRegulator
        else:
            from regulator import Regulator as BoardRegulator  # type: ignore[assignment]
        self.regulator = BoardRegulator(n)
        self.peak = self.scheduler.peak  # this cycle's target per chamber (the list itself)
        self.sensors = topology.sensor_count(board)
        self.buttons = buttons.Buttons()
        self.inlet = self.regulator.inlet  # outputs: the regulator's lists, overridden in place
        self.vent = self.regulator.vent
        self.pump = 0
        self.state = ZEROING
        self.fault = faults.NONE
        s = self.sensors
        self.sensed = [0] * s  # each sensor's zeroed reading, dmmHg gauge
        # What the firmware believes per chamber: the sensors themselves, or on the
        # single-sensor build each chamber's pressure when last read through the manifold.
        self.pressure = self.regulator.pressure if self.single_sensor else self.sensed
        self.stale_ms = [0] * s
        sched = self.scheduler
        self.limiter = Limiter(board.get("hard_limit_dmmhg", limits.HARD_LIMIT_DMMHG), self.pressure, self.sensed,
                               self.stale_ms, sched.peak, sched.mode, self.regulator.reached, self.inlet, self.vent,
                               not self.chamber_vents)
        # The highest level the sensors can watch with the limiter's margin to spare:
        # the sensor's span less its zero offset (known once zeroed) less the margin.
        self.sensor_span = topology.sensor_span_dmmhg(board, limits.SENSOR_MAX_DMMHG)
        self.level_cap = self.sensor_span - limits.TRIP_MARGIN_DMMHG
        self._offset = [0] * s
        self._zero_sum = [0] * s
        self._zero_prev = [0] * s
        self._zeroed = False
        self._restart_zeroing()
        self._start_pending = False
        # Maintenance mode: MODE held from the first step for buttons.MAINTENANCE_HOLD_MS.
        # Once set it stays set: outputs safe and buttons ignored until a reset.
        self.maintenance = False
        self._mode_held_ms = 0  # MODE held since the first step, ms; -1 once it was not
        self.levels = [p[programs.LEVEL_DEFAULT] for p in programs.PROGRAMS]
        self.program = 0
        self.select_program(program)
        if level:
            self.levels[self.program] = programs.clamp_level(self.program, level)
        self.session_ms = session_min * 60000
        self.session_left_ms = self.session_ms

    # ---- settings the shells and the UI use -------------------------------------------
    def can_run(self, index):
        """Distal release needs a vent valve on every chamber."""
        return self.chamber_vents or not programs.needs_chamber_vents(index)

    def select_program(self, index):
        if 0 <= index < programs.COUNT and self.can_run(index):
            self.program = index
            return True
        return False

    @property
    def level(self):
        return self.levels[self.program]

    def level_in_use(self):
        """The chosen level, lowered to what the sensors can watch (see level_cap)."""
        level = self.levels[self.program]
        return level if level < self.level_cap else self.level_cap

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
            self._ui(dt)
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
        if fault:
            self._enter_fault(fault)
        if self.state == FAULT or self.state == ZEROING or self._mode_held_ms >= 0:
            self.pump = self.limiter.force_safe()

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
            self._zero_count += 1
            self._zero(dt)

    def _restart_zeroing(self):
        self.state = ZEROING
        self._zero_count = 0
        self._zero_ms = 0
        self._zero_total_ms = 0
        self._zero_rounds = 0
        for i in range(self.sensors):
            self._zero_sum[i] = 0
            self._zero_prev[i] = 0

    def _zero(self, dt):
        # Zero only once two consecutive windows agree: a board reset mid-session
        # boots with chambers still venting, and their falling pressure is not zero.
        self._zero_ms += dt
        self._zero_total_ms += dt
        if self._zero_ms < self.zero_window_ms:
            return
        settled = self._zero_rounds > 0
        for i in range(self.sensors):
            mean = self._zero_sum[i] // self._zero_count
            if abs(mean - self._zero_prev[i]) > self.zero_agree_dmmhg:
                settled = False
            self._zero_prev[i] = mean
            self._zero_sum[i] = 0
        self._zero_count = 0
        self._zero_ms = 0
        self._zero_rounds += 1
        if not settled:
            if self._zero_total_ms > self.zero_timeout_ms:
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
            self.regulator.read_all_open(self.sensed[0])  # zeroing ran with every chamber open
        cap = self.sensor_span
        for i in range(self.sensors):
            if self.sensor_span - self._offset[i] < cap:
                cap = self.sensor_span - self._offset[i]
        cap -= limits.TRIP_MARGIN_DMMHG
        self.level_cap = cap - cap % limits.LEVEL_STEP_DMMHG
        self._zeroed = True
        self.state = IDLE
        if self._start_pending:
            self._start()

    # ---- buttons and states ------------------------------------------------------------
    def _ui(self, dt):
        short = self.buttons.short
        long = self.buttons.long
        state = self.state
        if state == FAULT:
            if long & (1 << buttons.START):
                self.limiter.clear()
                self.fault = faults.NONE
                if self._zeroed:
                    self.state = IDLE
                else:
                    self._restart_zeroing()  # no trusted offsets yet: measure them again
            return
        if state == ZEROING:
            if short & (1 << buttons.START):
                self._start_pending = True  # pressed right after power-on: start once zeroed
            return
        if long & (1 << buttons.START):
            self._stop()
            return
        if short & (1 << buttons.UP):
            self._change_level(limits.LEVEL_STEP_DMMHG)
        if short & (1 << buttons.DOWN):
            self._change_level(-limits.LEVEL_STEP_DMMHG)
        if state == IDLE:
            if short & (1 << buttons.MODE):
                self._next_program()
            if short & (1 << buttons.START):
                self._start()
        elif state == RUNNING:
            if short & (1 << buttons.START):
                self.state = PAUSED
                self.scheduler.stop()  # a paused limb is never left under pressure
                return
            self.session_left_ms -= dt
            if self.session_left_ms <= 0:
                self._stop()
        elif state == PAUSED:
            if short & (1 << buttons.START):
                self.state = RUNNING
                self._begin()

    def _start(self):
        self._start_pending = False
        self.session_left_ms = self.session_ms
        self.scheduler.cycles = 0
        self.state = RUNNING
        self._begin()

    def _begin(self):
        # Also the resume after a pause: the wave restarts from the foot.
        self.limiter.fill_timeout_ms = min(programs.PROGRAMS[self.program][programs.INFLATE_MS], limits.FILL_TIMEOUT_MS)
        self.scheduler.start(self.program, self.level_in_use())

    def _stop(self):
        self.state = IDLE
        self.scheduler.stop()

    def _change_level(self, delta):
        level = programs.clamp_level(self.program, self.levels[self.program] + delta)
        self.levels[self.program] = level
        self.scheduler.set_level(self.level_in_use())

    def _next_program(self):
        for step in range(1, programs.COUNT + 1):
            if self.select_program((self.program + step) % programs.COUNT):
                return

    def _enter_fault(self, code):
        self.fault = code
        self.state = FAULT
        self.scheduler.stop()
        self.regulator.reset()
