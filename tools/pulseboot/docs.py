"""Tables in the README that are generated from the code, so they cannot drift from it:
the wiring of each board (from boards/*.py), the status LED patterns (from
firmware/lib/led.py and faults.py) and the programs (report/program_table.py).
host_tests/test_docs.py checks that the README holds every row exactly. After changing a
board file, a pattern or a program, print the tables with

    .venv/bin/python -m pulseboot.docs

and paste them into the README.
"""
import sys

from . import fw, pins
from .cli.common import os_error_line, quiet_exit_on_closed_stdout, stdout_gone
from .fw import faults
from .report import program_table

import controller  # firmware/lib, importable once fw is loaded
import crashlog
import led
import safe_state


def _gpio(pin):
    return "GPIO%d" % pin


def _chamber(i, n):
    where = " (foot)" if i == 0 else (" (most proximal)" if i == n - 1 else "")
    return "Chamber %d%s" % (i + 1, where)


def _valve_notes(normally_open, active):
    """Every valve coil hangs off an N-MOSFET with a gate pull-down and a flyback diode
    (said once above the tables); the notes say what differs."""
    text = "normally open: vented when unpowered" if normally_open else "normally closed: opens when energised"
    return text + ("" if active else "; energised when the output is low")


def _shift_output(bit):
    return "74HC595 #%d Q%s" % (bit // 8 + 1, "ABCDEFGH"[bit % 8])


def wiring_rows(board):
    """(function, GPIO, notes) for every connection the board file defines."""
    rows = []
    n = board["chambers"]
    chip = pins.CHIPS[board["chip"]]
    no_pull = chip["input_only"]
    active = board.get("valve_active", 1)
    rows.append(("Pump (PWM %g kHz)" % (board.get("pump_pwm_hz", 20000) / 1000), _gpio(board["pump_pin"]),
                 "gate of a logic-level N-MOSFET (low side), 10k pull-down; flyback diode across the pump"))
    # Which valves are normally open, from the firmware's own safe-state definition (a valve
    # a powered coil opens is normally closed): inlets, then the vents or the one exhaust.
    _where, energise, _safe = safe_state.valves(board)
    normally_open = [e == 0 for e in energise]
    if board.get("valve_driver") == "74hc595":
        rows.append(("74HC595 SER (serial data)", _gpio(board["shift_data_pin"]),
                     "SER (pin 14) of register #1; QH' (pin 9) of each register feeds SER of the next"))
        rows.append(("74HC595 SRCLK (shift clock)", _gpio(board["shift_clock_pin"]),
                     "SRCLK (pin 11) of every register"))
        rows.append(("74HC595 RCLK (latch)", _gpio(board["shift_latch_pin"]), "RCLK (pin 12) of every register"))
        rows.append(("74HC595 /OE (output enable)", _gpio(board["shift_enable_pin"]),
                     "/OE (pin 13) of every register, 10k pull-up to 3V3: outputs off until the firmware "
                     "has latched a safe pattern; /SRCLR (pin 10) to 3V3"))
        for i, bit in enumerate(board["inlet_bits"]):
            rows.append(("%s inlet valve" % _chamber(i, n), _shift_output(bit), _valve_notes(normally_open[i], active)))
        for i, bit in enumerate(board["vent_bits"]):
            rows.append(("%s vent valve" % _chamber(i, n), _shift_output(bit),
                         _valve_notes(normally_open[n + i], active)))
    else:
        for i, pin in enumerate(board["inlet_pins"]):
            rows.append(("%s inlet valve" % _chamber(i, n), _gpio(pin), _valve_notes(normally_open[i], active)))
        for i, pin in enumerate(board.get("vent_pins", ())):
            rows.append(("%s vent valve" % _chamber(i, n), _gpio(pin), _valve_notes(normally_open[n + i], active)))
        if "exhaust_pin" in board:
            rows.append(("Exhaust valve (manifold)", _gpio(board["exhaust_pin"]),
                         _valve_notes(normally_open[n], active)))
    if board.get("sensor", "hx710b") == "hx710b":
        rows.append(("HX710B SCK (clock)", _gpio(board["sensor_clk_pin"]), "SCK of every sensor module (shared)"))
        manifold = board.get("sensor_at", "chamber") == "manifold"
        for i, pin in enumerate(board["sensor_data_pins"]):
            what = "Manifold sensor" if manifold else "%s sensor" % _chamber(i, n)
            note = "HX710B DOUT, 10k pull-up to 3V3"
            if pin in no_pull:
                note += " (input-only pin)"
            rows.append(("%s, HX710B OUT" % what, _gpio(pin), note))
    else:
        for i, pin in enumerate(board["sensor_adc_pins"]):
            rows.append(("%s sensor, analog out" % _chamber(i, n), _gpio(pin),
                         "ADC1 at 11 dB: divide the sensor's output to stay within 0.15-2.45 V"))
    button_active = board.get("button_active", 0)
    for name in ("start", "mode", "up", "down"):
        pin = board["button_pins"][name]
        if button_active:
            note = "to 3V3 when pressed; 10k pull-down to GND"
        elif pin in no_pull or not board.get("button_pull_up", True):
            note = "to GND when pressed; 10k pull-up to 3V3 (this pin has no internal pull-up)"
        else:
            note = "to GND when pressed; internal pull-up"
        rows.append(("%s button" % name.upper(), _gpio(pin), note))
    if board.get("led_kind", "pin") == "ws2812":
        rows.append(("Status LED (WS2812)", _gpio(board["led_pin"]),
                     "the board's own RGB LED, driven as one pixel: nothing to wire"))
    else:
        level = "high" if board.get("led_active", 1) else "low"
        rows.append(("Status LED", _gpio(board["led_pin"]), "LED with a 330 ohm series resistor, on when %s" % level))
    if "buzzer_pin" in board:
        rows.append(("Buzzer (active)", _gpio(board["buzzer_pin"]),
                     "sounds the fault pattern; through a transistor if it draws more than 10 mA"))
    return rows


def markdown_row(cells):
    return "| " + " | ".join(cells) + " |"


def wiring_table(board):
    lines = ["| function | GPIO | notes |", "| --- | --- | --- |"]
    lines += [markdown_row(r) for r in wiring_rows(board)]
    return "\n".join(lines)


def _timing(segments):
    """'on 150, off 300 (x2); on 150, off 1800': the on/off pairs, runs of equal ones counted."""
    parts = []
    i = 0
    while i < len(segments):
        pair = segments[i:i + 2]
        run = 1
        while segments[i + 2 * run:i + 2 * run + 2] == pair:
            run += 1
        parts.append("on %d, off %d" % tuple(pair) + (" (x%d)" % run if run > 1 else ""))
        i += 2 * run
    return "; ".join(parts)


# The README's words for each state's LED pattern, in led.PATTERNS order (the figures
# are led.py's), and for the settings-reset notice.
LED_WORDS = (
    ("zeroing", "fast blink"),
    ("idle", "slow heartbeat: two short flashes every 2 s"),
    ("running", "steady on"),
    ("paused", "slow blink: 1 s on, 1 s off"),
)
SETTINGS_RESET_WORDS = ("settings reset", "one long flash then three short ones")
LEVEL_LOWERED_WORDS = ("level lowered", "three half-second flashes and beeps")


def fault_segments(code):
    """The on/off pairs of fault `code`, as led.py plays them."""
    pairs = []
    for i in range(code):
        pairs.append(led.FAULT_ON_MS)
        pairs.append(led.FAULT_OFF_MS + (led.FAULT_PAUSE_MS if i == code - 1 else 0))
    return tuple(pairs)


def led_rows():
    """(LED, when, looks like, ms) for every state, the settings-reset and level-lowered notices and every
    fault code."""
    rows = []
    for state, (name, what) in enumerate(LED_WORDS):
        rows.append((name, "`%s`" % faults.STATE_NAMES[state], what, _timing(led.PATTERNS[state])))
    name, what = SETTINGS_RESET_WORDS
    rows.append((name, "the first %g s after start-up, when the saved settings were unusable and defaults run"
                 % (led.SETTINGS_RESET_MS / 1000), what, _timing(led.SETTINGS_RESET)))
    name, what = LEVEL_LOWERED_WORDS
    rows.append((name, "%g s once zeroing is done, when the level chosen is above what the sensors can watch and "
                 "a lower one runs" % (crashlog.LEVEL_LOWERED_MS / 1000), what, _timing(crashlog.LEVEL_LOWERED)))
    for code in range(1, len(faults.NAMES)):
        flashes = "1 short flash" if code == 1 else "%d short flashes" % code
        rows.append(("fault %d" % code, "`FAULT` `%s`" % faults.NAMES[code], "%s, then a pause" % flashes,
                     _timing(fault_segments(code))))
    return rows


def led_table():
    lines = ["| LED | when | looks like | on/off ms, repeating |", "| --- | --- | --- | --- |"]
    lines += [markdown_row(r) for r in led_rows()]
    return "\n".join(lines)


# The README's words for each answer to a press, by the controller's code for it (its figures
# are led.py's ACKS): name, when, what it looks and sounds like.
_STEPS = "/".join("%d" % m for m in controller.Controller.session_steps_min)
ACK_WORDS = (
    ("_ACK_BEEP", "beep", "START taken (start, pause, resume, a fault cleared, or pressed while zeroing: starts "
     "once zeroed); an UP or DOWN step", "one short beep and flash"),
    ("_ACK_END", "end beep", "an UP or DOWN step that reaches the end of the program's range, or of what the sensors "
     "can watch (the level then runs lowered); a long START that stops a session", "one long beep and flash"),
    ("_ACK_REFUSED", "refused", "a press that does nothing now: MODE during a session, a long UP or DOWN, a long "
     "START while idle, a press while zeroing (START aside) or in a fault (long START aside)", "three fast pips"),
    ("_ACK_CHIME", "session end", "the session's time is up (`session_min`): it has stopped and every chamber vented",
     "a chime: two short beeps and a long one"),
    ("_ACK_PROGRAM", "program N", "short MODE while idle selected program N (its place in `pulseboot programs`, from "
     "1); a WS2812 shows it in the program's own colour", "N short blinks and beeps"),
    ("_ACK_SESSION", "session length", "long MODE while idle stepped the session length through %s min: N is its "
     "place (10 min: 1)" % _STEPS, "N long blinks and beeps"),
)
_COUNTED = ("_ACK_PROGRAM", "_ACK_SESSION")


def ack_segments(code):
    """The on/off pairs in ms of the answer with this code, as led.py plays it (a counted
    answer's first pair once), trailing empty pairs left out."""
    at = code * led.ACK_STRIDE
    seg = [b * 10 for b in led.ACKS[at:at + led.ACK_STRIDE]]
    while seg and not seg[-2] and not seg[-1]:
        del seg[-2:]
    return tuple(seg)


def ack_rows():
    """(answer, when, looks and sounds like, ms) for every answer to a press."""
    rows = []
    for name, answer, when, what in ACK_WORDS:
        seg = ack_segments(getattr(controller, name))
        if name in _COUNTED:
            timing = "on %d, off %d (xN); on %d, off %d" % seg
        else:
            timing = _timing(seg)
        rows.append((answer, when, what, timing))
    return rows


def ack_table():
    lines = ["| answer | when | LED and buzzer | on/off ms, once |", "| --- | --- | --- | --- |"]
    lines += [markdown_row(r) for r in ack_rows()]
    return "\n".join(lines)


def main():
    """Print the tables; `| head` and a full disk end it with no traceback (exit 1)."""
    try:
        for name in fw.board_names():
            print("#### `%s`\n\n%s\n" % (name, wiring_table(fw.load_board(name))))
        print(led_table())
        print()
        print(ack_table())
        print("\n" + program_table.table())
        sys.stdout.flush()
    except BrokenPipeError as e:
        if stdout_gone():
            return quiet_exit_on_closed_stdout()
        print("pulseboot.docs: %s" % os_error_line(e), file=sys.stderr)
        return 1
    except OSError as e:
        print("pulseboot.docs: %s" % os_error_line(e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
