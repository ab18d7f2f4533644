# ESP32-DevKitC (ESP32-WROOM-32), four chambers, the cheapest build: one pressure sensor
# on the manifold, an inlet valve per chamber and one exhaust valve on the manifold.
# Inlets and exhaust are normally open: unpowered, every chamber vents through its inlet
# and the exhaust. A chamber is read through the manifold between pump pulses, so fills
# take a little longer, held chambers are not watched, and distal release (the recovery
# program) is impossible: this board runs the gradient program only.
BOARD = {
    "name": "esp32-devkitc-4ch-manifold",
    "chip": "esp32",
    "chambers": 4,
    "topology": "inlet+exhaust",
    "sensor_at": "manifold",
    "hard_limit_dmmhg": 2000,
    "pump_pin": 26,
    "pump_pwm_hz": 20000,
    "inlet_pins": (16, 17, 18, 19),
    "exhaust_pin": 21,
    "valve_active": 1,
    "inlet_normally_open": True,
    "exhaust_normally_open": True,
    "sensor": "hx710b",
    "sensor_clk_pin": 27,
    "sensor_data_pins": (32,),
    "sensor_counts_per_mmhg": 107365,
    "button_pins": {"start": 13, "mode": 14, "up": 36, "down": 39},
    "button_active": 0,
    "button_pull_up": True,
    "button_external_pull_ups": True,
    "led_pin": 4,
    # An inlet is energised (shut) while its chamber holds and while others fill; the
    # exhaust is energised (shut) through a whole wave (4 x 20.5 s at the worst).
    "inlet_max_on_ms": 90000,
    "exhaust_max_on_ms": 90000,
    "wdt_timeout_ms": 2000,
}
