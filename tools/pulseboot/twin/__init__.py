"""pulseboot twin: the live view of a boot (view.py) and the terminal app that runs the firmware
against the plant in real time (app.py)."""
