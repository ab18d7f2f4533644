"""The fake board the device shell runs on: MicroPython's `machine`, `time` and `neopixel`
on virtual pins and parts (HX710B, 74HC595, PWM, WDT), a wrapping virtual clock, and the
device's life from power-on to reset. Every module here runs under CPython and inside the
MicroPython unix port."""
