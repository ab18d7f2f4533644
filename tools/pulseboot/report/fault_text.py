"""What a user reads next to each fault: the README's fault table and the CLI's fault
lines use this text. Host only: the device shows a fault as LED flashes and latches its
number (firmware/lib/faults.py), so these sentences would only cost it RAM."""
from pulseboot.fw import faults, limits

MEANINGS = {
    "SENSOR": "pressure sensor missing, stuck, out of range, or its reading fell faster than air can leave a shut "
              "chamber (sensor or its tube come off)",
    "HARD_LIMIT": "a chamber exceeded the absolute pressure ceiling",
    "OVERPRESSURE": "a chamber rose too far above its target",
    "PUMP_RUN": "pump ran too long without a pause, or the manifold rose with the pump told off (pump stuck on)",
    "FILL_TIMEOUT": "a chamber did not reach its target in time (leak or hose off)",
    "VENT_TIMEOUT": "a chamber did not vent in time (kinked hose or stuck valve)",
    "ZERO_OFFSET": "sensor zero offset implausible at start-up, or a vented chamber reads well below zero (the zero "
                   "drifted)",
    "LEAK": "a held chamber loses pressure, or its top-ups add up to too much air (leaking bladder, hose or fitting; "
            "a reading drifting down)",
    "NO_RISE": "the pump fed a chamber but its reading did not rise (sensor stuck or detached, hose off or kinked)",
    "GARMENT": "the check at START: a chamber did not answer its puff of air (hose off, or its sensor not plumbed "
               "to it)",
    "NO_BOOT": "the check at START: no chamber answered (the boot is not plugged in)",
    "AIR": "a fill took more air than the chamber's last one (a sensor reading low, or the air going elsewhere)",
    "TOURNIQUET": "a chamber stayed above %g mmHg for more than %g s in one go (the veins could not refill)" % (
        limits.TOURNIQUET_DMMHG / 10, limits.TOURNIQUET_MS / 1000),
}


def meaning(code):
    """The sentence for fault `code` (its number or its name); '' for none or unknown."""
    name = faults.NAMES[code] if isinstance(code, int) and 0 <= code < len(faults.NAMES) else code
    return MEANINGS.get(name, "")
