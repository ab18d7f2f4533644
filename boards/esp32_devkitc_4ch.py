# ESP32-DevKitC (ESP32-WROOM-32), four chambers.
# Each chamber has a normally-closed inlet valve from the manifold, a normally-open
# vent valve (unpowered = vented, so a dead board leaves no limb under pressure)
# and its own HX710B pressure module; the modules share one clock line.
BOARD = {
    "name": "esp32-devkitc-4ch",
    "chip": "esp32",
    "chambers": 4,
    "topology": "inlet+vent",
    "hard_limit_dmmhg": 2000,
    "pump_pin": 26,
    "pump_pwm_hz": 20000,
    "inlet_pins": (16, 17, 18, 19),
    "vent_pins": (21, 22, 23, 25),
    "valve_active": 1,
    "vent_normally_open": True,
    "sensor": "hx710b",
    "sensor_clk_pin": 27,
    "sensor_data_pins": (32, 33, 34, 35),
    "button_pins": {"start": 13, "mode": 14, "up": 36, "down": 39},
    "led_pin": 4,
    # Driver figures (firmware/lib/wiring.py lists every optional key).
    # HX710B + MPS20N0040D nominal scale (derivation in firmware/lib/hx710b.py): calibrate per module.
    "sensor_counts_per_mmhg": 107365,
    # Buttons short to ground. GPIO 36 and 39 have no internal pull-ups: 10k to 3V3 fitted.
    "button_active": 0,
    "button_pull_up": True,
    "button_external_pull_ups": True,
    # Valve max on-time backstops, above the longest honest command: an inlet feeds one
    # fill (<= 20 s inflate limit); a vent stays shut while every chamber fills (4 x 20.5 s).
    "inlet_max_on_ms": 25000,
    "vent_max_on_ms": 90000,
    "wdt_timeout_ms": 2000,
}
