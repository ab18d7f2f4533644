# The one safety-limits table. Firmware and host tests both import these names,
# so a limit changed here changes what the device enforces and what CI checks.
# Units: pressure in tenths of mmHg (dmmHg), time in ms.
from micropython import const

# Absolute ceiling: no chamber may ever exceed this, whatever the board says.
# 200 mmHg is the top of the range quoted for consumer boots; boards may set lower.
HARD_LIMIT_DMMHG = const(2000)
# A chamber trips when it rises this far above its own target for the cycle.
TRIP_MARGIN_DMMHG = const(150)
# Settable pressure level (the distal/zone target the user picks with UP/DOWN).
LEVEL_MIN_DMMHG = const(200)
LEVEL_MAX_DMMHG = const(1200)
LEVEL_STEP_DMMHG = const(50)
# A chamber counts as vented below this pressure (a refill needs the limb unloaded).
VENTED_DMMHG = const(30)
# Pump may not run longer than this without a pause (a runaway or a hose off).
PUMP_MAX_ON_MS = const(45000)
# One chamber must reach its target within this long (leak, hose off, weak pump).
FILL_TIMEOUT_MS = const(30000)
# A chamber told to vent must fall below VENTED_DMMHG within this long (kinked hose, stuck valve).
VENT_TIMEOUT_MS = const(15000)
# The same through one shared exhaust, per chamber on the board (every chamber drains
# through its inlet, the manifold and a single valve: the time grows with the air to let out).
VENT_TIMEOUT_SHARED_PER_CHAMBER_MS = const(7500)
# A held chamber (inlet shut) losing more than this over the window is leaking.
LEAK_WINDOW_MS = const(4000)
LEAK_DROP_DMMHG = const(30)
# While the pump feeds a chamber its reading must rise at least this much within this much
# feeding time, or the reading is not the chamber's: a stuck or detached sensor (which
# would let the pump run on unseen), a hose off or kinked.
NO_RISE_MS = const(1500)
NO_RISE_DMMHG = const(5)
# The sensor's plausible range after zeroing (module span is 0-40 kPa, about 300 mmHg).
SENSOR_MIN_DMMHG = const(-200)
SENSOR_MAX_DMMHG = const(3000)
# A reading older than this means the sensor stopped answering.
SENSOR_STALE_MS = const(500)
# Zero offset found at start-up with the chambers vented may not exceed this.
ZERO_OFFSET_MAX_DMMHG = const(300)
# The watchdog resets a board whose loop stops being fed for this long (80 ticks): far
# above any honest pause, short next to a fill.
WDT_TIMEOUT_MS = const(2000)
# Session length the user may set, in minutes.
SESSION_MIN_MIN = const(5)
SESSION_MAX_MIN = const(90)
SESSION_DEFAULT_MIN = const(30)
