"""The README's pictures, drawn by the simulator: `python -m pulseboot.report.images [--out DIR]`.

Each is `pulseboot sim ... --plot docs/img/NAME.png` with the arguments below, so they show what
the command shows. PNGs carry no version stamp (plot.PNG_METADATA): the same code and the same
matplotlib give the same bytes. host_tests/test_images.py draws them again and compares them
with the ones in docs/img, pixel by pixel, loosely: it fails when a change to the firmware, the
plant or the plot has made the pictures out of date; then run this module again.
"""
import argparse
import contextlib
import io
import pathlib
import sys

from pulseboot import fw

OUT = fw.ROOT / "docs" / "img"
IMAGES = {
    # name: (what it shows, `pulseboot sim` arguments)
    "sim-gradient-4ch": ("a gradient session on 4 chambers: paused, resumed, stopped by a long START",
                         ["--duration", "230", "--press", "start@0", "--press", "start@100", "--press",
                          "start@112", "--press", "start@205:long"]),
    "sim-recovery-8ch": ("the recovery program on the 8-chamber board",
                         ["--board", "esp32s3-8ch", "--program", "recovery", "--duration", "150"]),
    "sim-fault-kink": ("a kinked hose on chamber 3: caught, the pump stopped, every chamber vented",
                       ["--duration", "130", "--fault", "kink:3@75"]),
}
COMMON = ["--shell", "core", "--seed", "0"]  # the core shell gives the device shell's rows, five times faster


def args_of(name, path):
    """The `pulseboot sim` command line drawing image `name` into path."""
    return ["sim", *IMAGES[name][1], *COMMON, "--plot", str(path)]


def draw(name, path):
    """Draw one image; RuntimeError with the command's own message if it fails."""
    from pulseboot import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(args_of(name, path))
    if code != 0:
        raise RuntimeError(f"{name}: pulseboot {' '.join(args_of(name, path))}: {err.getvalue().strip()}")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m pulseboot.report.images", description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(OUT), help=f"folder to write into (default {OUT})")
    args = p.parse_args(argv)
    out = pathlib.Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in IMAGES:
            path = out / f"{name}.png"
            draw(name, path)
            print(path)
    except (OSError, RuntimeError) as e:
        print(f"pulseboot.report.images: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
