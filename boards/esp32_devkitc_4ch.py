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
}
