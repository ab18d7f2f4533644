# ESP32-DevKitC (ESP32-WROOM-32), four chambers, the full pressure range.
# As esp32-devkitc-4ch (inlet and normally-open vent valve per chamber), but each chamber
# has an analog pressure sensor on an ADC1 pin instead of an HX710B module (which saturates
# near 78 mmHg): an XGZP6847A 0-40 kPa (0.5-4.5 V at 5 V supply) through a 10k/10k divider,
# so its whole output stays inside the ADC's linear 0.15-2.45 V at 11 dB. ADC2 pins are no
# use here: ADC2 is unusable while Wi-Fi runs.
BOARD = {
    "name": "esp32-devkitc-4ch-analog",
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
    "sensor": "analog",
    "sensor_adc_pins": (32, 33, 34, 35),
    # The datasheet line through the nominal divider and ADC (raw_lo, dmmhg_lo, raw_hi, dmmhg_hi).
    # Each build measures its own into /calibration.txt (README, Calibration). Until then this
    # line is used, a reading may be ~12 % off (ESP32 ADC reference, sensor span, divider), and
    # levels are capped as on the HX710B boards (topology.py).
    "sensor_calibration": (3136, 0, 45067, 3000),
    "sensor_top_dmmhg": 3000,  # 40 kPa: above it the sensor's output stops rising
    "button_pins": {"start": 13, "mode": 14, "up": 36, "down": 39},
    "led_pin": 4,
    "button_active": 0,
    "button_pull_up": True,
    "button_external_pull_ups": True,
    # Valve max on-time backstops, above the longest honest command: an inlet feeds one
    # fill (<= 20 s inflate limit); a vent stays shut while every chamber fills (4 x 20.5 s).
    "inlet_max_on_ms": 25000,
    "vent_max_on_ms": 90000,
    "wdt_timeout_ms": 2000,
}
