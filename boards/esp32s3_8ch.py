# ESP32-S3-DevKitC-1 (N8, no octal PSRAM), eight chambers.
# Inlet and vent valve per chamber (vents normally open) and one HX710B per chamber
# sharing a clock line. Sixteen valves do not fit the free GPIOs beside eight sensors,
# four buttons and the pump, so the valves hang off two chained 74HC595 shift registers.
BOARD = {
    "name": "esp32s3-8ch",
    "chip": "esp32s3",
    "chambers": 8,
    "topology": "inlet+vent",
    "hard_limit_dmmhg": 2000,
    "pump_pin": 4,
    "pump_pwm_hz": 20000,
    "valve_driver": "74hc595",
    "shift_data_pin": 11,
    "shift_clock_pin": 12,
    "shift_latch_pin": 13,
    "shift_enable_pin": 14,
    "inlet_bits": (0, 1, 2, 3, 4, 5, 6, 7),
    "vent_bits": (8, 9, 10, 11, 12, 13, 14, 15),
    "valve_active": 1,
    "vent_normally_open": True,
    "sensor": "hx710b",
    "sensor_clk_pin": 5,
    "sensor_data_pins": (6, 7, 15, 16, 17, 18, 8, 9),
    "button_pins": {"start": 1, "mode": 2, "up": 42, "down": 41},
    "led_pin": 48,
    # Driver figures (firmware/lib/wiring.py lists every optional key).
    # GPIO48 is the DevKitC-1 v1.0's on-board WS2812 (v1.1 boards: GPIO38), driven as one pixel.
    "led_kind": "ws2812",
    # HX710B + MPS20N0040D nominal scale (derivation in firmware/lib/hx710b.py): calibrate per module.
    "sensor_counts_per_mmhg": 107365,
    "button_active": 0,
    "button_pull_up": True,
    # Valve max on-time backstops: an inlet feeds one fill (<= 20 s inflate limit); a vent
    # stays shut while every chamber fills (8 x 20.5 s).
    "inlet_max_on_ms": 25000,
    "vent_max_on_ms": 180000,
    "wdt_timeout_ms": 2000,
}
