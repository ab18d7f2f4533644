# The limiter on lists a test writes into, and the fills the limiter's tests share (a module of
# its own: each test file that compiles it stays small enough for the VM's heap).
import faults
from limiter import Limiter
from limiter_manifold import ManifoldLimiter
from scheduler import FILL, HOLD, VENT

N = 3


class Rig:
    """A Limiter on lists the test writes into before each check, as the core does."""

    def __init__(self, hard_limit=2000, chambers=N, sensors=0, shared_exhaust=False, aim_below=None):
        self.pressure = [0] * chambers
        # One list for pressure and readings when each chamber has a sensor (as in the core).
        self.sensed = [0] * sensors if sensors else self.pressure
        self.stale = [0] * len(self.sensed)
        self.peak = [0] * chambers
        self.mode = [0] * chambers
        self.reached = [0] * chambers
        self.inlet = [0] * chambers
        self.vent = [0] * chambers
        make = ManifoldLimiter if sensors else Limiter  # as the core picks for the board
        self.lim = make(hard_limit, self.pressure, self.sensed, self.stale, self.peak, self.mode, self.reached,
                        self.inlet, self.vent, shared_exhaust, aim_below)

    def check(self, pressure, peak=None, mode=None, reached=None, pump=0, vent=None, stale=None, dt=25, inlet=None,
              sensed=None):
        self.pressure[:] = pressure
        if sensed is not None:
            self.sensed[:] = sensed
        self.stale[:] = stale or [0] * len(self.stale)
        self.peak[:] = peak or [450] * N
        self.mode[:] = mode or [HOLD] * N
        self.reached[:] = reached or [1] * N
        self.inlet[:] = inlet or [0] * N
        self.vent[:] = vent or [0] * N
        return self.lim.check(dt, pump)


def fed_run(readings, rig=None):
    """Chamber 0 fed from vented with these readings, one a tick while the pump runs (the pump held
    off by the limiter holds the reading where it is). Returns (fault, tick)."""
    rig = rig or Rig()
    for _ in range(40):
        rig.check([0, 0, 0], mode=[VENT] * N, vent=[1] * N)
    k = 0
    t = 0
    while k < len(readings):
        code = rig.check([readings[k], 0, 0], mode=[FILL, VENT, VENT], reached=[0] * N, pump=0 if rig.lim.hush else 100,
                         inlet=[1, 0, 0], vent=[0, 1, 1])
        if code:
            return code, t
        if not rig.lim.hush:
            k += 1
        t += 1
    return faults.NONE, t


def fill_hold_vent(rig, fill_ticks, topup_ticks=0, hold_ticks=120):
    """Fill chamber 0 at full pump for `fill_ticks` (0.2 mmHg a tick) to its target there, hold it
    `hold_ticks`, topped up at full pump for `topup_ticks` as the hold begins, then vent it.
    Returns the first fault."""
    target = 2 * fill_ticks
    for k in range(fill_ticks):
        code = rig.check([k * 2, 0, 0], peak=[target, 0, 0], mode=[FILL, VENT, VENT], reached=[0, 0, 0], pump=100,
                         inlet=[1, 0, 0], vent=[0, 1, 1])
        if code:
            return code
    code = rig.check([target, 0, 0], peak=[target, 0, 0], mode=[FILL, VENT, VENT], reached=[1, 0, 0], vent=[0, 1, 1])
    for k in range(hold_ticks):
        fed = k < topup_ticks
        code = code or rig.check([target + (k if fed else 0), 0, 0], peak=[target, 0, 0], mode=[HOLD, VENT, VENT],
                                 pump=100 if fed else 0, inlet=[1 if fed else 0, 0, 0], vent=[0, 1, 1])
    for _ in range(40):
        code = code or rig.check([0, 0, 0], peak=[target, 0, 0], mode=[VENT] * 3, reached=[0, 0, 0], vent=[1, 1, 1])
    return code
