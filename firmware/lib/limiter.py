# The safety limiter: runs every tick after the scheduler and regulator, may
# override every output, and latches. It keeps its own timers and trusts nothing
# but the pressures, the commanded outputs and the limits table. The principle: no
# single fault lets the pump feed a chamber whose reading cannot be trusted.
# The single-sensor build's own rules are a subclass, loaded only for it (limiter_manifold.py).
from array import array

from micropython import const

import faults
import limits
from scheduler import FILL, HOLD, VENT

# The safe state's values only (main.py drops the module after start-up): see safe_state.py.
from safe_state import INLET as _SAFE_INLET, PUMP as _SAFE_PUMP, VENT as _SAFE_VENT

_FILTER_SHIFT = const(3)  # the readings' filter for the drift check: noise must not look like a drift
_SETTLE_MS = const(100)  # a feeding burst's first ms: the valves, the sensor's lag, no fill rate yet
_AIR_CAP = const(10000000)  # pump % x ms; x 100 stays a small int
_FRESH = const(0x3FFFFFFF)  # single sensor: no reading between pulses yet (since the chamber vented)
_NO_TOP = const(-0x3FFFFFF8)  # _TOP: no reading since it was last fed (a reading below zero is one)

# Per chamber, one packed array (a list, or an array each, costs a machine word or an object
# per entry): _K ints a chamber, at these offsets. Timers saturate at 0x3FFFFFFF.
_FILL = const(0)  # time filling and short of its target
_VENT = const(1)  # time told to vent and still above VENTED_DMMHG
_HIGH = const(2)  # time above TOURNIQUET_DMMHG in one go
_FEED = const(3)  # feeding time since the reading last rose
_STEP = const(4)  # feeding time its last NO_RISE_RATE_DMMHG took; 0 unknown
_BURST = const(5)  # time into the current feeding burst
_RATE = const(6)  # feeding time since the rate window opened (single sensor: the last pulse's length)
_BLIND = const(7)  # single sensor: the pulse time since the reading between pulses last rose
_AIR = const(8)  # pump % x ms fed since the chamber last vented
_FEED_FROM = const(9)  # the reading the feeding must rise from
_RATE_FROM = const(10)
_BURST_FROM = const(11)  # single sensor: the reading between pulses when it last rose
_AIR_REF = const(12)  # the air its last fill needed to reach the target (halfway to the one before if less); 0 unknown
_REACHED = const(13)  # reached its target last tick
_HOLD = const(14)  # time held since it reached its target
_TOP = const(15)  # held: the highest smoothed reading since it was last fed (x 8)
_NEAR = const(16)  # filling: time since its reading first came within a sixteenth of its target
_FED_TOP = const(17)  # fed: the highest fast reading in this burst, once it settled
_FIRST = const(18)  # the feeding time a fill's first NO_RISE_RATE_DMMHG took (its last fill's); 0 unknown
_LEARN = const(19)  # this fill's first NO_RISE_RATE_DMMHG not timed yet
_CREEP = const(20)  # the top-up air its holds took (the limb creeping away under it), slowly forgotten; 0 unknown
_DROP = const(21)  # held: time its reading has stood LEAK_DROP_DMMHG short
_HUSH = const(22)  # fed: time the pump has been held off for its reading to come back; -1: done, awaiting a rise
_OVER = const(23)  # time above its target's margin with the pump off
_AIR_AT = const(24)  # held: the air it had been fed when its hold passed HOLD_CREEP_MS (0 not yet)
_EASE = const(25)  # fed: the reading its burst began at, while it has only fallen since; else 0
_AIR_DEV = const(26)  # how far its fills' air strays from the fill before (a running mean); 0 unknown
_AIR_FRONT = const(27)  # held: the air it had been fed when its hold passed HOLD_FRONT_MS (0 not yet)
_PUSH = const(28)  # fed: the reading before a rise at over twice its fill's rate (the limb pushed it); 0 none
_PUSH_MS = const(29)  # ... and the feeding time since
_LAST_STEP = const(30)  # the feeding time its last NO_RISE_RATE_DMMHG took, since it vented; 0 none yet
_K = const(31)
# Per sensor, likewise.
_FAST = const(0)  # lightly filtered reading (a quarter of the new one each tick)
_LO = const(1)  # the lowest fast reading in this FALL_BLOCK_MS block
_REF = const(2)  # ... and in the block before
_OPEN = const(3)  # time open to atmosphere (drift check)
_CLOSED = const(4)  # its air path was closed last tick
_SSMOOTH = const(5)  # filtered reading << _FILTER_SHIFT
_FALLING = const(6)  # time the reading has stood FALL_DMMHG below the block before's lowest
_KS = const(7)
# The single-sensor build's own, after its one sensor's (limiter_manifold.py).
_M_PATH = const(7)  # the manifold this tick: 0 shut (pumped, or settled with a chamber), 1 open to air, 2 settling
# The limiter's own, at the end (negative offsets).
_PUMP_MS = const(-1)  # the pump on without a pause this long
_BLOCK_MS = const(-2)  # time into this FALL_BLOCK_MS block
_AIR_MOST = const(-3)  # the biggest fill's air of any chamber
_FIRST_MOST = const(-4)  # the longest _FIRST of any chamber


class Limiter:
    def __init__(self, hard_limit, pressure, sensed, stale_ms, peak, mode, reached, inlet, vent,
                 shared_exhaust=False, aim_below=None):
        """The lists are the core's own, kept and read in place every tick, so check() takes
        only what is a fresh scalar each tick. Per chamber: pressure (dmmHg), peak (this
        cycle's target), mode (the scheduler's), reached (the regulator's), inlet and vent
        (the outputs). Per sensor: sensed (zeroed readings; the pressure list itself when
        each chamber has a sensor) and stale_ms (time since each last answered). aim_below:
        the regulator's per-chamber aim below the target (dmmHg), or None."""
        chambers = len(pressure)
        self._pressure = pressure
        self._sensed = sensed
        self._stale_ms = stale_ms
        self._peak = peak
        # dmmHg each chamber's regulator aims below its target (regulator.py's offset: what its
        # neighbours' fills add to it), or None: it aims at the target.
        self._aim_below = aim_below
        self._mode = mode
        self._reached = reached
        self._inlet = inlet
        self._vent = vent
        self.vent_timeout_ms = (limits.VENT_TIMEOUT_SHARED_PER_CHAMBER_MS * chambers if shared_exhaust
                                else limits.VENT_TIMEOUT_MS)
        # A board may lower the ceiling, never raise it.
        self.hard_limit = hard_limit if hard_limit < limits.HARD_LIMIT_DMMHG else limits.HARD_LIMIT_DMMHG
        self.fill_timeout_ms = limits.FILL_TIMEOUT_MS
        self.fault = faults.NONE
        # What tripped: chamber (-1 for none or the pump), the value and the limit it broke,
        # in ms when fault_ms, else in dmmHg (main.py prints it and keeps it in the trip log).
        self.fault_chamber = -1
        self.fault_value = 0
        self.fault_limit = 0
        self.fault_ms = False
        # The pump must stay off this tick: a fed chamber's reading fell, and the limiter waits
        # (HUSH_MS) to see whether the limb's movement gives it back (the controller obeys).
        self.hush = False
        self._held = False  # the chamber being judged for NO_RISE is held (a top-up), not filling
        self._c = array("i", bytes(4 * _K * chambers))
        # ... then the single-sensor build's own (4), and the limiter's own (4, from the end).
        self._s = array("i", bytes(4 * (_KS * len(sensed) + 8)))

    def check(self, dt, pump):
        """Trip (and latch) on the first broken limit; returns the latched fault code.
        dt: ms since the last check; pump: the duty commanded this tick."""
        if self.fault:
            self.hush = False
            return self.fault
        # Held off last tick (a fed reading that fell, a chamber above its margin): the pump ran
        # none of this tick's air.
        if self.hush:
            pump = 0
        self.hush = False
        sensed = self._sensed
        stale_ms = self._stale_ms
        inlet = self._inlet
        vent = self._vent
        s = self._s
        own = len(sensed) == len(inlet)  # a sensor per chamber, or the manifold's one for all
        if not own and self._manifold(dt, pump):  # type: ignore[attr-defined]  # (limiter_manifold.py)
            return self.fault
        block = False
        s[_BLOCK_MS] += dt
        if s[_BLOCK_MS] >= (2 * limits.FALL_BLOCK_MS if own else limits.FALL_BLOCK_MS):
            s[_BLOCK_MS] = 0
            block = True
        fall = 2 * limits.FALL_DMMHG if own else limits.FALL_DMMHG
        for i in range(len(sensed)):
            p = sensed[i]
            if stale_ms[i] > limits.SENSOR_STALE_MS:
                return self.trip(faults.SENSOR, i, stale_ms[i], limits.SENSOR_STALE_MS, True)
            if not limits.SENSOR_MIN_DMMHG <= p <= limits.SENSOR_MAX_DMMHG:
                return self.trip(faults.SENSOR, i, p, limits.SENSOR_MIN_DMMHG if p < 0 else limits.SENSOR_MAX_DMMHG)
            if p > self.hard_limit:
                return self.trip(faults.HARD_LIMIT, i, p, self.hard_limit)
            b = i * _KS
            sm = s[b + _SSMOOTH]
            sm += ((p << _FILTER_SHIFT) - sm) >> _FILTER_SHIFT
            s[b + _SSMOOTH] = sm
            f = s[b + _FAST]
            f += (p - f) >> 2
            s[b + _FAST] = f
            # With its air path closed (the chamber's vent shut; the manifold with the exhaust
            # shut, pumped or settled with a chamber) a reading can only fall as fast as a leak
            # lets air out. On a limb a movement can push a reading up and let it drop as fast, or
            # dip it (easing off), but the reading is back within a second: a fall must stand
            # FALL_MS, judged from the block before it (kept meanwhile).
            closed = (not vent[i]) if own else not s[_M_PATH]
            # The manifold settling after a pump pulse (toward the chamber open to it, from the
            # pulse's flow) is not judged, but a movement of the limb may lift it meanwhile: the
            # settled reading is judged from the lowest. Nor does the level a fall is judged from
            # rise in a block the pump was off throughout (no air came in: a push lifted it).
            settling = not own and s[_M_PATH] == 2 and s[b + _CLOSED]
            if closed and s[b + _CLOSED] and not (pump and s[b + _CLOSED] == 2):
                ref = s[b + _REF]
                if f < ref - fall:
                    s[b + _FALLING] = _add(s[b + _FALLING], dt)
                    if own and limits.FALL_HUSH_PART * f < (limits.FALL_HUSH_PART - 1) * ref:
                        # A third of the reading gone (a neighbour venting takes a few mmHg):
                        # no top-up may follow it up while the fall stands or comes back.
                        self.hush = True
                    if s[b + _FALLING] > (limits.FALL_MS if own else 0):
                        return self.trip(faults.SENSOR, i, ref - f, fall)
                else:
                    s[b + _FALLING] = 0
                    if f < s[b + _LO]:
                        s[b + _LO] = f
                    if block:
                        if own or pump or s[b + _CLOSED] == 3 or s[b + _LO] < ref:
                            s[b + _REF] = s[b + _LO]
                        s[b + _LO] = f
            elif settling:
                if s[b + _CLOSED] != 2 or f < s[b + _REF]:
                    s[b + _REF] = f
                s[b + _LO] = s[b + _REF]
            else:
                s[b + _REF] = f
                s[b + _LO] = f
                s[b + _FALLING] = 0
            # 1 closed (3: the pump ran in this block), 2 settling after a pulse, 0 open.
            if closed:
                s[b + _CLOSED] = 3 if not own and (pump or (s[b + _CLOSED] == 3 and not block)) else 1
            else:
                s[b + _CLOSED] = 2 if settling else 0
            # Open to atmosphere for a while, a reading must be near zero: one well below has
            # a zero that walked away, and would under-report every fill.
            if (vent[i] and not inlet[i]) if own else (s[_M_PATH] == 1 and not pump):
                s[b + _OPEN] = _add(s[b + _OPEN], dt)
                if s[b + _OPEN] > limits.VENTED_SETTLE_MS and sm < -(limits.ZERO_DRIFT_DMMHG << _FILTER_SHIFT):
                    return self.trip(faults.ZERO_OFFSET, i, sm >> _FILTER_SHIFT, -limits.ZERO_DRIFT_DMMHG)
            else:
                s[b + _OPEN] = 0
        pressure = self._pressure
        peak = self._peak
        below = self._aim_below
        mode = self._mode
        reached = self._reached
        c = self._c
        for i in range(len(inlet)):
            p = pressure[i]
            b = i * _K
            if p > self.hard_limit:
                return self.trip(faults.HARD_LIMIT, i, p, self.hard_limit)
            m = mode[i]
            # A venting chamber is falling from its own earlier target; the ceiling
            # and the vent timeout watch it instead. Above the margin the pump stops (no air comes
            # in, whichever inlet is open): a movement of the limb may push a held chamber up
            # for a moment, air would keep it there (OVERPRESSURE_MS). The single sensor reads
            # the manifold, where the pump's own pressure shows: at once.
            if self._timer(b + _OVER, dt, m != VENT and p > peak[i] + limits.TRIP_MARGIN_DMMHG,
                           limits.OVERPRESSURE_MS if own else 0):
                return self.trip(faults.OVERPRESSURE, i, p, peak[i] + limits.TRIP_MARGIN_DMMHG)
            if c[b + _OVER]:
                self.hush = True
            if self._timer(b + _FILL, dt, m == FILL and not reached[i], self.fill_timeout_ms):
                return self.trip(faults.FILL_TIMEOUT, i, c[b + _FILL], self.fill_timeout_ms, True)
            if self._timer(b + _VENT, dt, vent[i] and p >= limits.VENTED_DMMHG, self.vent_timeout_ms):
                return self.trip(faults.VENT_TIMEOUT, i, c[b + _VENT], self.vent_timeout_ms, True)
            if self._timer(b + _HIGH, dt, p >= limits.TOURNIQUET_DMMHG, limits.TOURNIQUET_MS):
                return self.trip(faults.TOURNIQUET, i, c[b + _HIGH], limits.TOURNIQUET_MS, True)
            # Its own sensor within a sixteenth of the target, a chamber settles there in a second
            # or two; one that hovers short while the pump tops it up loses the air as it comes.
            if own and self._timer(b + _NEAR, dt, m == FILL and not reached[i] and (
                    c[b + _NEAR] > 0 or p >= peak[i] - peak[i] // 16), limits.NEAR_TARGET_MS):
                return self.trip(faults.LEAK, i, c[b + _NEAR], limits.NEAR_TARGET_MS, True)
            ref = c[b + _AIR_REF]
            if m != HOLD and c[b + _HOLD] >= limits.HOLD_CREEP_LEARN_MS and c[b + _AIR] >= ref > 0:
                # A hold ended: the top-ups it took, remembered for the next: a smaller one a quarter
                # of the way, a bigger one an eighth (a leak that starts must not teach its own
                # allowance; holds differ, and one cut short by a pause says little). A hold shorter
                # than HOLD_CREEP_LEARN_MS (a clearing pulse) says nothing of a longer one's.
                took = c[b + _AIR] - ref + 1
                last = c[b + _CREEP]
                c[b + _CREEP] = took if not last else last + (took - last) // (8 if took > last else 4)
            self._timer(b + _HOLD, dt, m == HOLD, 0x3FFFFFFF)
            if c[b + _HOLD] < limits.HOLD_FRONT_MS:
                c[b + _AIR_FRONT] = 0
            elif not c[b + _AIR_FRONT]:
                c[b + _AIR_FRONT] = c[b + _AIR]  # what the creep's front took (and a leak, as much again later)
            if c[b + _HOLD] < limits.HOLD_CREEP_MS:
                c[b + _AIR_AT] = 0
            elif not c[b + _AIR_AT]:
                c[b + _AIR_AT] = c[b + _AIR]  # the creep is spent: from here top-ups are a leak's
            h = c[b + _HUSH]
            if h > 0 and not vent[i]:
                # Its reading fell while fed: the pump waits HUSH_MS (a movement of the limb is over
                # by then), then the reading must be back where _hush() says.
                c[b + _HUSH] = h = h + dt
                if h <= limits.HUSH_MS:
                    self.hush = True
                elif s[i * _KS + _FAST] < c[b + _FED_TOP] - limits.FED_FALL_DMMHG:
                    return self.trip(faults.SENSOR, i, c[b + _FED_TOP] - s[i * _KS + _FAST], limits.FED_FALL_DMMHG)
                else:
                    c[b + _HUSH] = -1  # back: fed again from here (once, until it rises)
                    c[b + _BURST] = 0
                    c[b + _FEED] = 0
            fed = inlet[i] and pump
            if vent[i]:
                c[b + _TOP] = _NO_TOP
                c[b + _DROP] = 0
                c[b + _HUSH] = 0
                if p < limits.VENTED_DMMHG:
                    # Vented: whatever it was fed is gone, the next fill starts afresh.
                    for k in range(b + _FEED, b + _AIR + 1):
                        c[k] = 0
                    c[b + _BURST_FROM] = _FRESH
                    # The next fill's window, until it shows its own rate: twice what its last
                    # fill's first rise took (a stiff chamber rises fast from the start, and a
                    # sensor stuck as it begins must not get NO_RISE_MS of full pump), or, never
                    # filled yet, three times the slowest any chamber took (chambers differ).
                    c[b + _STEP] = c[b + _FIRST] or 3 * s[_FIRST_MOST]
                    c[b + _LEARN] = 1
                    c[b + _LAST_STEP] = 0
                else:
                    # Let out in part (a bleed): this fill's air is no measure, and the single
                    # sensor's reading between pulses starts afresh (it rises from the bled level).
                    if c[b + _AIR] > 0:
                        c[b + _AIR] = -_AIR_CAP
                    c[b + _BURST_FROM] = _FRESH
            elif fed:
                top = c[b + _TOP] >> _FILTER_SHIFT
                c[b + _TOP] = _NO_TOP
                c[b + _DROP] = 0
                # The reading that shows chamber i while it is fed: its own sensor, or the manifold's.
                # Feeding time counts at the duty the pump runs (ms at full pump): a slow top-up
                # has as long as its air needs.
                f = s[(i if own else 0) * _KS + _FAST]
                if own:
                    # Fed through its open inlet, a chamber's pressure can only rise: a reading
                    # that falls is no longer all of it (a sensor losing gain, a sense tube off),
                    # or the limb moved (it pushes a bladder up and lets it drop as fast, or eases
                    # off): the pump waits (above), no air going in meanwhile.
                    fell = 0
                    if not c[b + _BURST]:
                        c[b + _EASE] = f if f > 0 else 0
                    elif c[b + _EASE]:
                        # Below where the burst began, and fallen more than FED_FALL_DMMHG (the limb
                        # easing off under it; less is a droop, the limb creeping on while no air
                        # comes) but not past FED_BACK_PCT (a sense tube off falls to nothing): its
                        # rise, and the time it has to show it, count from where it stops falling.
                        # Past it, a fed fall from where the burst began, however much of it came
                        # while the burst settled (a sensor losing gain as the pump comes back).
                        if f * 100 < c[b + _EASE] * limits.FED_BACK_PCT:
                            fell = c[b + _EASE]
                            c[b + _EASE] = 0
                        elif f >= c[b + _FEED_FROM]:
                            c[b + _EASE] = 0
                        elif f < c[b + _EASE] - limits.FED_FALL_DMMHG:
                            c[b + _FEED] = 0
                    if fell > c[b + _FED_TOP]:
                        c[b + _FED_TOP] = fell
                    elif c[b + _BURST] < _SETTLE_MS or f > c[b + _FED_TOP]:
                        c[b + _FED_TOP] = f
                    if f < c[b + _FED_TOP] - limits.FED_FALL_DMMHG:
                        if self._hush(b, i):
                            continue  # (no air goes in: nothing below applies this tick)
                        return self.trip(faults.SENSOR, i, c[b + _FED_TOP] - f, limits.FED_FALL_DMMHG)
                self._held = m != FILL or reached[i]  # a top-up
                if self._not_rising(b, pump * dt // 100, f, top):
                    return self.trip(faults.NO_RISE, i, c[b + _FEED], self._window(b), True)
                air = c[b + _AIR] + pump * dt
                c[b + _AIR] = air if air < _AIR_CAP else _AIR_CAP
                filling = m == FILL and not reached[i]
                if filling or m == HOLD:
                    # Filling: its own last fill's air and AIR_MARGIN_PCT more, or (none yet) three
                    # times the biggest fill of any chamber: chambers differ in size, not threefold
                    # (a kinked hose takes several times). Held: the fill's air and top-ups of a
                    # share of it, growing slowly with the time held (more: a leak, or a reading
                    # drifting down that top-ups would follow upward), beyond what the limb's creep
                    # took in its earlier holds (twice), or might take in its first (HOLD_CREEP_FIRST_PCT,
                    # then from the hold's front: a soft limb's creep comes early, a leak's air does not).
                    if filling:
                        most = ref * limits.AIR_MARGIN_PCT // 100 + limits.AIR_SPREAD * c[b + _AIR_DEV]
                    else:
                        most = ref // 100
                        creep = 2 * c[b + _CREEP]
                        if not creep or creep >= most * limits.HOLD_CREEP_PCT:
                            # Its first hold, or a soft limb: HOLD_CREEP_FIRST_PCT until the hold's front
                            # shows how much the creep takes (twice the front: a steady leak's is small).
                            front = 2 * (c[b + _AIR_FRONT] - ref) if c[b + _AIR_FRONT] > ref else 0
                            creep = front if c[b + _AIR_FRONT] else most * limits.HOLD_CREEP_FIRST_PCT
                            if creep < most * limits.HOLD_CREEP_PCT:
                                creep = most * limits.HOLD_CREEP_PCT
                            elif creep > most * limits.HOLD_CREEP_MOST_PCT:
                                creep = most * limits.HOLD_CREEP_MOST_PCT
                        most = most * (limits.HOLD_AIR_PCT + limits.HOLD_AIR_PCT_PER_MIN * c[b + _HOLD] // 60000)
                        # Past HOLD_CREEP_MS the limb's creep is spent (2-6 s time constant): the air fed
                        # since may not pass the allowance without it.
                        late = air - c[b + _AIR_AT] if c[b + _AIR_AT] and ref else 0
                        if late > most and late > 100 * limits.AIR_MIN_MS:
                            return self.trip(faults.LEAK, i, late // 100, most // 100, True)
                        most += creep
                    if most < 100 * limits.AIR_MIN_MS:
                        most = 100 * limits.AIR_MIN_MS
                    most = ref + most if ref else 3 * s[_AIR_MOST] if filling else 0
                    if most and air > most:
                        return self.trip(faults.AIR if filling else faults.LEAK, i, air // 100, most // 100, True)
                    # With a little more air than its last fill took (fills repeat within a few %),
                    # a chamber's own sensor reads about its target; far short, the reading is low.
                    if (filling and own and ref and air > ref + ref * limits.AIR_SHORT_PCT // 100
                            + limits.AIR_SPREAD * c[b + _AIR_DEV] and p < peak[i] - limits.AIR_SHORT_DMMHG):
                        return self.trip(faults.AIR, i, p, peak[i] - limits.AIR_SHORT_DMMHG)
            else:
                if c[b + _BURST]:
                    c[b + _RATE] = c[b + _BURST]  # (single sensor: the last pulse's length)
                c[b + _BURST] = 0
                if own:
                    # Shut in and not fed, a held chamber loses air only through a leak (and to the
                    # limb creeping away, which the top-ups make good): its reading may not stand
                    # LEAK_DROP_DMMHG below its best since it was last fed, or below the level its
                    # regulator aims at (a neighbour filling pushes the limb under it, and venting
                    # takes that back), longer than LEAK_DROP_MS (a movement, the pump busy with
                    # another top-up).
                    sm = s[i * _KS + _SSMOOTH]
                    if sm > c[b + _TOP]:
                        c[b + _TOP] = sm
                    top = c[b + _TOP]
                    aim = peak[i] - below[i] if below else peak[i]
                    if top > aim << _FILTER_SHIFT:
                        top = aim << _FILTER_SHIFT
                    if self._timer(b + _DROP, dt, m == HOLD and sm < top - (limits.LEAK_DROP_DMMHG << _FILTER_SHIFT),
                                   limits.LEAK_DROP_MS):
                        return self.trip(faults.LEAK, i, (top - sm) >> _FILTER_SHIFT, limits.LEAK_DROP_DMMHG)
            if reached[i] and not c[b + _REACHED] and m == FILL and c[b + _AIR] > 0:
                ref = c[b + _AIR]
                last = c[b + _AIR_REF]
                if last:
                    # Fills stray (on a limb the pulse's phase at the cut, the creep left from the last):
                    # the next may take as much more again, twice (AIR_SPREAD).
                    dev = c[b + _AIR_DEV]
                    c[b + _AIR_DEV] = dev + ((ref - last if ref > last else last - ref) - dev) // 4
                if last > ref:
                    # Reached on less air than the last fill (a neighbour's fill or the pulse lifted
                    # the reading to the target early): its hold's top-ups make the rest good.
                    ref = (ref + last) // 2
                c[b + _AIR_REF] = ref  # the air this fill took, for its hold and the next fill
                if ref > s[_AIR_MOST]:
                    s[_AIR_MOST] = ref
            c[b + _REACHED] = reached[i]
        if pump:
            s[_PUMP_MS] = _add(s[_PUMP_MS], dt)
            if s[_PUMP_MS] > limits.PUMP_MAX_ON_MS:
                return self.trip(faults.PUMP_RUN, -1, s[_PUMP_MS], limits.PUMP_MAX_ON_MS, True)
        else:
            s[_PUMP_MS] = 0
        return faults.NONE

    def _hush(self, b, i):
        """A fed chamber's reading fell: hold the pump off while a movement of the limb passes
        (once, until it rises again: False, trip now). The reading must then be back to its best
        of the burst; if that best stood more than a fall's worth (twice FALL_DMMHG) above the
        lowest of the block before, or the reading rose faster than its fill does (_PUSH), the
        limb may have pushed it up: back to that lowest (or where the fast rise began), or to
        FED_BACK_PCT of the best if that is more (a fast fill's block before lies far below).
        Otherwise (the block before held the push) back to within FED_GIVE_PCT of the best."""
        c = self._c
        if c[b + _HUSH]:
            return False
        c[b + _HUSH] = 1
        ref = self._s[i * _KS + _REF]
        push = c[b + _PUSH]
        if push and push < ref:
            ref = push  # (the block before began part-way up the push)
        top = c[b + _FED_TOP]
        if push or top > ref + 2 * limits.FALL_DMMHG:
            least = top * limits.FED_BACK_PCT // 100
            c[b + _FED_TOP] = ref if ref > least else least
        else:
            # FED_GIVE_PCT of the best, of which the check after the wait allows FED_FALL_DMMHG.
            give = top * limits.FED_GIVE_PCT // 100 - limits.FED_FALL_DMMHG
            if give > 0:
                c[b + _FED_TOP] = top - give
        self.hush = True
        return True

    def _timer(self, at, dt, running, limit):
        """A timer in the packed array: runs while `running`, else 0; True past `limit`."""
        c = self._c
        c[at] = _add(c[at], dt) if running else 0
        return c[at] > limit


    def _window(self, b):
        """How long a chamber may be fed without its reading rising NO_RISE_DMMHG: NO_RISE_MS,
        or once its rate is known, twice what its last NO_RISE_RATE_DMMHG took, within bounds:
        filling, never less than what its last fill's first took (a movement of the limb can
        show a rise no pump gives; a bladder on a limb unfolds slowly, and a rigid bottle's first
        rise is as quick as any). A held chamber's top-up is short: its own rate."""
        c = self._c
        w = 2 * c[b + _STEP]
        if not w or w > limits.NO_RISE_MS:
            return limits.NO_RISE_MS
        least = 0 if self._held else c[b + _FIRST]
        if least < limits.NO_RISE_MIN_MS:
            least = limits.NO_RISE_MIN_MS
        return w if w > least else least

    def _not_rising(self, b, dt, seen, top):
        # Feeding time adds up across bursts (top-ups): only a rise opens a fresh window (or
        # venting the chamber, see check()). A burst shorter than the sensor's lag shows its
        # rise after it ends, in `top` (the best reading since; far below zero: none), and a limb that
        # creeps away under the chamber may take it back before the next burst begins.
        c = self._c
        burst = c[b + _BURST]
        c[b + _BURST] = _add(burst, dt)
        if c[b + _PUSH]:
            c[b + _PUSH_MS] += dt
            if burst == 0 or c[b + _PUSH_MS] > limits.FALL_MS:
                c[b + _PUSH] = 0
        rise = (top if burst == 0 and top > seen else seen) - c[b + _FEED_FROM]
        if c[b + _FEED] == 0:
            # A fresh window opens where the reading stands; a fill's first, from a steady vented
            # reading, nearer its mean when noise has dipped it (its next swing up is no rise).
            mean = self._s[b // _K * _KS + _SSMOOTH] >> _FILTER_SHIFT
            c[b + _FEED_FROM] = seen if c[b + _AIR] or mean <= seen else (
                mean if mean - seen < limits.NO_RISE_NOISE_DMMHG else seen + limits.NO_RISE_NOISE_DMMHG)
            c[b + _FEED] = dt if dt > 0 else 1
        elif rise >= (limits.NO_RISE_FIRST_DMMHG if c[b + _LEARN] else limits.NO_RISE_DMMHG):
            c[b + _HUSH] = 0  # it rose: a later fall may be waited out again
            c[b + _FEED_FROM] = seen
            c[b + _FEED] = dt if dt > 0 else 1
        else:
            if seen < c[b + _FEED_FROM] and burst == 0:
                # A burst's rise is judged from where the reading stands as it begins (a held
                # chamber that drooped is topped up from where it drooped to); within it, the
                # reading must pass its best so far: noise alone seldom does.
                c[b + _FEED_FROM] = seen
            c[b + _FEED] = _add(c[b + _FEED], dt)
        # How fast the fill rises, from once the burst has settled.
        if burst < _SETTLE_MS or seen < c[b + _RATE_FROM]:
            c[b + _RATE_FROM] = seen
            c[b + _RATE] = 0
        else:
            c[b + _RATE] = _add(c[b + _RATE], dt)
            if seen - c[b + _RATE_FROM] >= limits.NO_RISE_RATE_DMMHG:
                rate = c[b + _RATE]
                # A step at over twice the rate of the fill's step before: the limb pushed the
                # reading up, and a fall within FALL_MS (a movement is over by then) is judged from
                # where it began (_hush). (A fill speeds up as its bladder unfolds, step by step.)
                if 2 * rate < c[b + _LAST_STEP] and not c[b + _PUSH] and c[b + _RATE_FROM] > 0:
                    c[b + _PUSH] = c[b + _RATE_FROM]
                    c[b + _PUSH_MS] = 0
                c[b + _LAST_STEP] = rate
                # Halfway from the step before (and the first from the last fill's): a movement of
                # the limb can show a rise no pump gives, and the window must not halve on it.
                c[b + _STEP] = (c[b + _STEP] + rate) // 2 if c[b + _STEP] else rate
                if c[b + _LEARN]:  # the fill's first: the next fill's window starts from it
                    c[b + _LEARN] = 0
                    c[b + _FIRST] = (c[b + _FIRST] + rate) // 2 if c[b + _FIRST] else rate
                    if c[b + _RATE] > self._s[_FIRST_MOST]:
                        self._s[_FIRST_MOST] = c[b + _RATE]
                c[b + _RATE_FROM] = seen
                c[b + _RATE] = 0
        return c[b + _FEED] > self._window(b)

    def check_sensors(self):
        """Before zeroing only the sensor itself can be judged: silent, or reading what no
        zero offset explains (an analog sensor's dead 0 V is far below its range)."""
        if self.fault:
            return self.fault
        stale_ms = self._stale_ms
        for i in range(len(stale_ms)):
            if stale_ms[i] > limits.SENSOR_STALE_MS:
                return self.trip(faults.SENSOR, i, stale_ms[i], limits.SENSOR_STALE_MS, True)
            if not -limits.SENSOR_MAX_DMMHG <= self._sensed[i] <= limits.SENSOR_MAX_DMMHG:
                return self.trip(faults.SENSOR, i, self._sensed[i], limits.SENSOR_MAX_DMMHG)
        return faults.NONE

    def trip(self, code, chamber, value=0, limit=0, ms=False):
        """Latch fault `code` on `chamber` (-1: none or the pump): `value` broke `limit`
        (ms when `ms`, else dmmHg). The first trip stays until clear()."""
        if not self.fault:
            self.fault = code
            self.fault_chamber = chamber
            self.fault_value = value
            self.fault_limit = limit
            self.fault_ms = ms
        return self.fault

    def force_safe(self):
        """The safe state in the core's own outputs: every chamber open to atmosphere, none
        fed. Returns the pump's safe duty (the pump is a scalar the controller owns)."""
        inlet = self._inlet
        vent = self._vent
        for i in range(len(inlet)):
            inlet[i] = _SAFE_INLET
            vent[i] = _SAFE_VENT
        return _SAFE_PUMP

    def relearn(self):
        """The targets changed: the air earlier fills and holds took says nothing about the next."""
        self._s[_AIR_MOST] = 0
        for b in range(0, len(self._c), _K):
            self._c[b + _AIR_REF] = 0
            self._c[b + _AIR_DEV] = 0
            self._c[b + _CREEP] = 0

    def clear(self):
        """Only an explicit user act calls this."""
        self.fault = faults.NONE
        self.fault_chamber = -1
        self._s[_PUMP_MS] = 0
        c = self._c
        for b in range(0, len(c), _K):
            for k in range(b, b + _BLIND + 1):  # the timers and the feeding windows
                c[k] = 0
            c[b + _BURST_FROM] = _FRESH
        for b in range(0, _KS * len(self._sensed), _KS):
            self._s[b + _CLOSED] = 0
            self._s[b + _OPEN] = 0


def _add(total, dt):
    # Saturate: a timer must never grow into a heap-allocated big integer.
    total += dt
    return total if total < 0x3FFFFFFF else 0x3FFFFFFF
