"""Which GPIO a board file may use for which role, per chip.

Sources: Espressif's ESP32 and ESP32-S3 datasheets and the DevKitC user guides
(GPIO summary and strapping-pin tables).
"""

CHIPS = {
    "esp32": {
        "exists": set(range(0, 20)) | {21, 22, 23, 25, 26, 27} | set(range(32, 40)),
        "flash": set(range(6, 12)),  # wired to the module's SPI flash
        "input_only": {34, 35, 36, 37, 38, 39},  # no output driver, no internal pull-up
        # 0 low = download mode, 2 must float/low to download, 5/15 set SDIO timing and boot log,
        # 12 high selects 1.8 V flash and bricks boot on 3.3 V modules.
        "strapping": {0, 2, 5, 12, 15},
        "console": {1, 3},  # UART0 TX/RX: the REPL and flashing
        "adc": set(range(32, 40)),  # ADC1 only: ADC2 is unusable while Wi-Fi runs
        "adc2": {0, 2, 4, 12, 13, 14, 15, 25, 26, 27},
        "led_ok_on_strapping": {2},  # the DevKitC's own LED: pulls low, which boot accepts
    },
    "esp32s3": {
        "exists": set(range(0, 22)) | set(range(26, 49)),
        "flash": set(range(26, 33)),  # SPI flash (and PSRAM on R-type modules)
        "input_only": set(),
        "strapping": {0, 3, 45, 46},
        "console": {19, 20, 43, 44},  # native USB D-/D+, UART0 TX/RX
        "adc": set(range(1, 11)),  # ADC1
        "adc2": set(range(11, 21)),
        "led_ok_on_strapping": set(),
    },
}

OUTPUT_KEYS = ("pump_pin", "exhaust_pin", "sensor_clk_pin", "led_pin", "shift_data_pin", "shift_clock_pin",
               "shift_latch_pin", "shift_enable_pin")
OUTPUT_LISTS = ("inlet_pins", "vent_pins", "exhaust_pins")
INPUT_LISTS = ("sensor_data_pins",)
ADC_KEYS = ("sensor_adc_pins",)


def roles(board):
    """(pin, role, is_output) for every pin the board uses."""
    out = []
    for key in OUTPUT_KEYS:
        if board.get(key) is not None:
            out.append((board[key], key, True))
    for key in OUTPUT_LISTS:
        for i, pin in enumerate(board.get(key, ())):
            out.append((pin, "%s[%d]" % (key, i), True))
    for key in INPUT_LISTS + ADC_KEYS:
        for i, pin in enumerate(board.get(key, ())):
            out.append((pin, "%s[%d]" % (key, i), False))
    for name, pin in sorted(board.get("button_pins", {}).items()):
        out.append((pin, "button_pins[%s]" % name, False))
    return out


def problems(board):
    """Every rule the board breaks, one line each; empty when it is fine."""
    chip = CHIPS.get(board.get("chip"))
    if chip is None:
        return ["%s: unknown chip %r; allowed: %s" % (board.get("name"), board.get("chip"), ", ".join(CHIPS))]
    found = []
    seen = {}
    for pin, role, is_output in roles(board):
        where = "%s: GPIO%s as %s" % (board["name"], pin, role)
        if pin in seen:
            found.append("%s: already used as %s" % (where, seen[pin]))
        seen[pin] = role
        if pin not in chip["exists"]:
            found.append("%s: no such pin on %s" % (where, board["chip"]))
        elif pin in chip["flash"]:
            found.append("%s: wired to the module's flash" % where)
        elif pin in chip["console"]:
            found.append("%s: used by the USB/serial console" % where)
        elif pin in chip["strapping"] and not (role == "led_pin" and pin in chip["led_ok_on_strapping"]):
            found.append("%s: strapping pin, would upset boot" % where)
        if is_output and pin in chip["input_only"]:
            found.append("%s: input-only pin cannot drive an output" % where)
        if role.startswith("button_pins") and pin in chip["input_only"] and not board.get("button_external_pull_ups"):
            found.append("%s: input-only pin has no internal pull-up; fit one and set button_external_pull_ups" % where)
        if role.startswith("sensor_adc_pins") and pin not in chip["adc"]:
            why = "an ADC2 pin, unusable while Wi-Fi runs" if pin in chip["adc2"] else "not an ADC pin"
            found.append("%s: %s; use an ADC1 pin: %s" % (where, why, ", ".join(
                "GPIO%d" % p for p in sorted(chip["adc"]))))
    return found
