# Freeze PulseBoot into a custom MicroPython image (the firmware then lives in flash as
# bytecode, costs no filesystem space and starts faster). From a MicroPython checkout:
#
#   make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=/path/to/pulseboot/manifest.py
#   (ESP32-S3: BOARD=ESP32_GENERIC_S3)
#
# then flash the image with esptool and copy only /board.txt (one line: the board name),
# e.g. `mpremote fs cp build/board.txt :board.txt`. Paths below are relative to this file.
include("$(PORT_DIR)/boards/manifest.py")  # the port's own frozen modules

# boot.py and main.py are frozen too. MicroPython looks for a frozen boot.py/main.py before
# the filesystem's (pyexec_file_if_exists), and ".frozen" precedes "/lib" in sys.path: with
# this image a boot.py, main.py or lib module copied to the filesystem is ignored. To change
# the firmware, build a new image (or build one without these two lines).
module("boot.py", base_path="firmware")
module("main.py", base_path="firmware")
package("boards", base_path=".")  # every board profile; board.txt picks one
freeze("firmware/lib")  # control core and drivers, as top-level modules
