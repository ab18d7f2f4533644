# Stable fault codes. The index is what the firmware latches; the name is what
# the trace, the log and the README show (with the sentences in
# tools/pulseboot/fault_text.py). Append only: never renumber.
from micropython import const

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
)

