# Runs first after every reset, before main.py: pump off and every chamber open to
# atmosphere, from the board file alone (no drivers, nothing slow, nothing that
# allocates much). From reset to here the pins float: pull-downs on the MOSFET gates
# and a pull-up on the 74HC595's /OE hold every output off in that time.
from machine import Pin


def safe_outputs(root=""):
    try:
        with open(root + "/board.txt") as f:
            name = f.readline().strip()
        mod = name.replace("-", "_")
        board = __import__("boards." + mod, None, None, ("BOARD",)).BOARD  # the module itself
    except Exception as e:
        print("boot: no board (%s): outputs left to their pull resistors" % e)
        return None
    Pin(board["pump_pin"], Pin.OUT, value=0)
    on = 1 if board.get("valve_active", 1) else 0
    off = 1 - on
    vent_open = off if board.get("vent_normally_open", True) else on
    if board.get("valve_driver") == "74hc595":
        enable = Pin(board["shift_enable_pin"], Pin.OUT, value=1)
        data = Pin(board["shift_data_pin"], Pin.OUT, value=0)
        clock = Pin(board["shift_clock_pin"], Pin.OUT, value=0)
        latch = Pin(board["shift_latch_pin"], Pin.OUT, value=0)
        pattern = 0
        top = 0
        for b in board["inlet_bits"]:
            pattern |= off << b
            top = b if b > top else top
        for b in board["vent_bits"]:
            pattern |= vent_open << b
            top = b if b > top else top
        for s in range(top // 8 * 8 + 7, -1, -1):  # whole registers, furthest stage first
            data.value((pattern >> s) & 1)
            clock.value(1)
            clock.value(0)
        latch.value(1)
        latch.value(0)
        enable.value(0)
    elif "exhaust_pin" in board:
        # Shared exhaust: every chamber valve and the exhaust open (de-energised when
        # normally open, the way these boards are built).
        inlet_open = off if board.get("inlet_normally_open", True) else on
        for p in board["inlet_pins"]:
            Pin(p, Pin.OUT, value=inlet_open)
        Pin(board["exhaust_pin"], Pin.OUT, value=off if board.get("exhaust_normally_open", True) else on)
    else:
        for p in board["inlet_pins"]:
            Pin(p, Pin.OUT, value=off)
        for p in board.get("vent_pins", ()):
            Pin(p, Pin.OUT, value=vent_open)
    return board


if __name__ == "__main__":
    safe_outputs()
    # main.py runs in these same globals: drop what ran once, so it holds no RAM.
    del safe_outputs
