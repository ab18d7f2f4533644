# Runs first after every reset, before main.py: the safe state (lib/safe_state.py: pump
# off, every chamber open to atmosphere) on the pins, from the board file alone (no
# drivers, nothing slow, little to allocate). From reset to here the pins float:
# pull-downs on the MOSFET gates and a pull-up on the 74HC595's /OE hold every output
# off in that time.


def safe_outputs(root=""):
    """Write the safe state to the board's pins; returns the board dict (None: no board)."""
    from machine import Pin

    try:
        with open(root + "/board.txt") as f:
            name = f.readline().strip()
        mod = name.replace("-", "_")
        board = __import__("boards." + mod, None, None, ("BOARD",)).BOARD  # the module itself
        import safe_state  # left loaded for main.py's start-up, which drops it

        where, level = safe_state.levels(board)
    except Exception as e:
        print("boot: no board (%s): outputs left to their pull resistors" % e)
        return None
    Pin(board["pump_pin"], Pin.OUT, value=safe_state.PUMP)
    if board.get("valve_driver") == "74hc595":
        enable = Pin(board["shift_enable_pin"], Pin.OUT, value=1)
        data = Pin(board["shift_data_pin"], Pin.OUT, value=0)
        clock = Pin(board["shift_clock_pin"], Pin.OUT, value=0)
        latch = Pin(board["shift_latch_pin"], Pin.OUT, value=0)
        pattern = 0
        for k in range(len(where)):
            pattern |= level[k] << where[k]
        for s in range(max(where) // 8 * 8 + 7, -1, -1):  # whole registers, furthest stage first
            data.value((pattern >> s) & 1)
            clock.value(1)
            clock.value(0)
        latch.value(1)
        latch.value(0)
        enable.value(0)  # outputs on only now, with the safe pattern latched
    else:
        for k in range(len(where)):
            Pin(where[k], Pin.OUT, value=level[k])
    return board


if __name__ == "__main__":
    safe_outputs()
    # main.py runs in these same globals: drop what ran once, so it holds no RAM.
    del safe_outputs
