# Start-up only (main.py drops it): valve topologies and sensor placement, how the core's
# per-chamber outputs map onto the physical valves, and the Controller's parts built from
# the board (assemble()). The core always speaks per chamber:
#   inlet[i] = 1: chamber i is connected to the pump side (the manifold);
#   vent[i]  = 1: chamber i has an open path to atmosphere.
# INLET_VENT:    an inlet and a vent valve on every chamber; the map is one to one.
# INLET_EXHAUST: an inlet valve per chamber and one exhaust valve on the shared manifold:
#                a chamber vents through its inlet and the exhaust, so while anything
#                vents the pump side is open to atmosphere and nothing can be filled.
from array import array

from micropython import const

INLET_VENT = "inlet+vent"
INLET_EXHAUST = "inlet+exhaust"


def chamber_vents(board):
    """True when every chamber has its own vent valve (needed for distal release)."""
    return board.get("topology", INLET_VENT) == INLET_VENT


def single_sensor(board):
    """True when one sensor on the manifold stands in for a sensor per chamber."""
    return board.get("sensor_at", "chamber") == "manifold"


def sensor_count(board):
    return 1 if single_sensor(board) else board["chambers"]


def exhaust_valves(inlet, vent, valve_open):
    """INLET_EXHAUST: write each inlet valve's state into valve_open; return the exhaust's."""
    exhaust = 0
    for i in range(len(inlet)):
        v = vent[i]
        valve_open[i] = 1 if (inlet[i] or v) else 0
        if v:
            exhaust = 1
    return exhaust


_HX710B_TOP = const(0x7FFFFF)  # the HX710B's largest positive 24-bit word (hx710b.py)
_HX710B_DEFAULT_SCALE = const(107365)  # counts per mmHg, hx710b.MPS20N0040D_COUNTS_PER_MMHG


def sensor_span_dmmhg(board, ceiling):
    """The highest reading the board's sensors can give above the ADC's own zero, dmmHg,
    capped at `ceiling`. The common HX710B module saturates far below its sensor's
    rating (about 78 mmHg at the nominal scale); the bigger the scale, the sooner."""
    if board.get("sensor", "hx710b") != "hx710b":
        # An analog sensor reads its rated range once calibrated; on the datasheet's line its
        # reading may be ~12 % off, so levels stay where the HX710B boards have them.
        if board.get("sensor_calibrated"):
            span = board.get("sensor_top_dmmhg", ceiling)
            return span if span < ceiling else ceiling
        scale = _HX710B_DEFAULT_SCALE
    else:
        scale = board.get("sensor_counts_per_mmhg", _HX710B_DEFAULT_SCALE)
    if not isinstance(scale, int):
        scale = max(scale)
    span = _HX710B_TOP * 10 // scale
    return span if span < ceiling else ceiling


def assemble(ctrl, board, ticks_diff, program, level, session_min):
    """The Controller's parts and first state from the board dict (Controller.__init__: start-up
    only, so this code holds no RAM once main.py drops this module)."""
    import buttons
    import faults
    import limits
    import programs
    from faults import ZEROING
    from scheduler import Scheduler

    n = board["chambers"]
    ctrl.chambers = n
    ctrl._ticks_diff = ticks_diff
    ctrl._last = 0
    ctrl._started = False
    ctrl.chamber_vents = chamber_vents(board)
    ctrl.single_sensor = single_sensor(board)
    if ctrl.single_sensor == ctrl.chamber_vents:
        # A shared exhaust can only vent while nothing fills, which only the manifold
        # regulator plans for; it reads the manifold sensor, not one per chamber.
        raise ValueError("board %s: topology %s goes with %s" % (
            board["name"], board.get("topology"), "sensor_at 'manifold'" if not ctrl.chamber_vents
            else "a sensor per chamber"))
    ctrl.scheduler = Scheduler(n)
    # Only the regulator and the limiter this board needs are loaded: RAM on the chip is
    # scarce. Both regulators offer the same outputs (pump, inlet, vent, reached) and reset().
    if ctrl.single_sensor:
        from regulator_manifold import ManifoldRegulator as BoardRegulator
    else:
        from regulator import Regulator as BoardRegulator  # type: ignore[assignment]
    ctrl.regulator = BoardRegulator(n)
    ctrl.peak = ctrl.scheduler.peak  # this cycle's target per chamber (the list itself)
    ctrl.sensors = sensor_count(board)
    ctrl.buttons = buttons.Buttons()
    ctrl.inlet = ctrl.regulator.inlet  # outputs: the regulator's lists, overridden in place
    ctrl.vent = ctrl.regulator.vent
    ctrl.pump = 0
    ctrl.state = ZEROING
    ctrl.fault = faults.NONE
    s = ctrl.sensors
    ctrl.sensed = [0] * s  # each sensor's zeroed reading, dmmHg gauge
    # What the firmware believes per chamber: the sensors themselves, or on the
    # single-sensor build each chamber's pressure when last read through the manifold.
    ctrl.pressure = ctrl.regulator.pressure if ctrl.single_sensor else ctrl.sensed
    ctrl.stale_ms = [0] * s
    sched = ctrl.scheduler
    if ctrl.single_sensor:
        from limiter_manifold import ManifoldLimiter as BoardLimiter
    else:
        from limiter import Limiter as BoardLimiter  # type: ignore[assignment]
    ctrl.limiter = BoardLimiter(board.get("hard_limit_dmmhg", limits.HARD_LIMIT_DMMHG), ctrl.pressure,
                                ctrl.sensed, ctrl.stale_ms, sched.peak, sched.mode, ctrl.regulator.reached,
                                ctrl.inlet, ctrl.vent, not ctrl.chamber_vents,
                                getattr(ctrl.regulator, "offset", None))
    # The garment check at START (probe.py): its code is loaded only while it runs, by
    # service() between ticks (or, in a shell that never calls it, by the tick itself).
    ctrl.probe = None  # type: ignore[assignment]
    ctrl.checking = False  # the check runs
    ctrl._probed = False  # the check passed for this session
    # Every tick every chamber is vented (zeroing, idle, paused): each sensor's filtered
    # zero (<< _WATCH_SHIFT), then how far readings stray from it and for how many ticks
    # they were watched, for the next check.
    ctrl.zero_f = array("i", bytes(4 * (s + 2)))
    # The highest level the sensors can watch with the limiter's margin to spare:
    # the sensor's span less its zero offset (known once zeroed) less the margin.
    ctrl.sensor_span = sensor_span_dmmhg(board, limits.SENSOR_MAX_DMMHG)
    ctrl.level_cap = ctrl.sensor_span - limits.TRIP_MARGIN_DMMHG
    ctrl._offset = [0] * s
    ctrl._zero_sum = [0] * (s + 3)  # per sensor a window's sum of readings; then their count, ms, windows
    ctrl._zero_prev = [0] * (2 * s)  # the last window's mean, then the one before's
    ctrl._zeroed = False
    ctrl._restart_zeroing()
    ctrl._start_pending = False
    # Maintenance mode: MODE held from the first step for buttons.MAINTENANCE_HOLD_MS.
    # Once set it stays set: outputs safe and buttons ignored until a reset.
    ctrl.maintenance = False
    ctrl._mode_held_ms = 0  # MODE held since the first step, ms; -1 once it was not
    ctrl.levels = [p[programs.LEVEL_DEFAULT] for p in programs.PROGRAMS]
    ctrl.program = 0
    if not ctrl.select_program(program):
        for i in range(programs.COUNT):
            if ctrl.select_program(i):
                break
        else:
            raise ValueError("board %s: no program fits (a vent per chamber, or the tourniquet limit of %d s)"
                             % (board["name"], limits.TOURNIQUET_MS // 1000))
    if level:
        ctrl.levels[ctrl.program] = programs.clamp_level(ctrl.program, level)
    ctrl.session_ms = session_min * 60000
    ctrl.session_left_ms = ctrl.session_ms
