# Stable fault codes. The index is what the firmware latches; the name is what
# the trace, the log and the README show. Append only: never renumber.
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

# What a user reads next to each code (README and the host CLI use the same text).
MEANINGS = (
    "",
    "pressure sensor missing, stuck or out of range",
    "a chamber exceeded the absolute pressure ceiling",
    "a chamber rose too far above its target",
    "pump ran too long without a pause",
    "a chamber did not reach its target in time (leak or hose off)",
    "a chamber did not vent in time (kinked hose or stuck valve)",
    "sensor zero offset implausible at start-up",
    "a held chamber loses pressure (leaking bladder, hose or fitting)",
    "the pump fed a chamber but its reading did not rise (sensor stuck or detached, hose off or kinked)",
)
