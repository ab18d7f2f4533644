"""What a user reads next to each fault: the README's fault table and the CLI's fault
lines use this text. Host only: the device shows a fault as LED flashes and latches its
number (firmware/lib/faults.py), so these sentences would only cost it RAM."""
from pulseboot.fw import faults

MEANINGS = {
    "SENSOR": "pressure sensor missing, stuck or out of range",
    "HARD_LIMIT": "a chamber exceeded the absolute pressure ceiling",
    "OVERPRESSURE": "a chamber rose too far above its target",
    "PUMP_RUN": "pump ran too long without a pause",
    "FILL_TIMEOUT": "a chamber did not reach its target in time (leak or hose off)",
    "VENT_TIMEOUT": "a chamber did not vent in time (kinked hose or stuck valve)",
    "ZERO_OFFSET": "sensor zero offset implausible at start-up",
    "LEAK": "a held chamber loses pressure (leaking bladder, hose or fitting)",
    "NO_RISE": "the pump fed a chamber but its reading did not rise (sensor stuck or detached, hose off or kinked)",
}


def meaning(code):
    """The sentence for fault `code` (its number or its name); '' for none or unknown."""
    name = faults.NAMES[code] if isinstance(code, int) and 0 <= code < len(faults.NAMES) else code
    return MEANINGS.get(name, "")
