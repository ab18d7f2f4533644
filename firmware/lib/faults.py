# The codes every layer shares: the controller's states, the "no reading" marker
# and the fault codes. A leaf module, so drivers and the UI never import the controller.
from micropython import const

# The controller's states (trace, LED pattern, crash line).
ZEROING = const(0)
IDLE = const(1)
RUNNING = const(2)
PAUSED = const(3)
FAULT = const(4)
STATE_NAMES = ("ZEROING", "IDLE", "RUNNING", "PAUSED", "FAULT")

# A reading slot holding this means "no fresh sample this tick" (sensor busy or dead).
NO_READING = const(-32768)

# Stable fault codes. The index is what the firmware latches; the name is what
# the trace, the log and the README show (with the sentences in
# tools/pulseboot/report/fault_text.py). Append only: never renumber.

NONE = const(0)
SENSOR = const(1)
HARD_LIMIT = const(2)
OVERPRESSURE = const(3)
PUMP_RUN = const(4)
FILL_TIMEOUT = const(5)
VENT_TIMEOUT = const(6)
ZERO_OFFSET = const(7)
LEAK = const(8)
NO_RISE = const(9)
GARMENT = const(10)
NO_BOOT = const(11)
AIR = const(12)
TOURNIQUET = const(13)

NAMES = (
    "",
    "SENSOR",
    "HARD_LIMIT",
    "OVERPRESSURE",
    "PUMP_RUN",
    "FILL_TIMEOUT",
    "VENT_TIMEOUT",
    "ZERO_OFFSET",
    "LEAK",
    "NO_RISE",
    "GARMENT",
    "NO_BOOT",
    "AIR",
    "TOURNIQUET",
)

