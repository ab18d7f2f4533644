"""Custom program files on the host: read, checked by the firmware's own code
(firmware/lib/program_file.py, what the device runs on /programs.json at start-up) against
a board, and put beside the built-in programs for the length of a run.
"""
import contextlib
import pathlib

from pulseboot import fw

import controller as fw_controller  # firmware/lib, importable once fw is loaded
import program_file as fw_program_file

FLASH_NAME = fw_program_file.PATH.lstrip("/")  # where the device shell puts the file on its flash


class ProgramFileError(ValueError):
    """A file that cannot be used; str() is one line naming the file, the field and what is allowed."""


def read(path):
    """The file's text; ProgramFileError when it cannot be read as text."""
    p = pathlib.Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ProgramFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ProgramFileError(f"{path}: a directory, expected a JSON file of programs") from None
    except OSError as e:
        raise ProgramFileError(f"{path}: cannot be read ({e.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ProgramFileError(f"{path}: not UTF-8 text, expected a JSON file of programs") from None


def check(text, board_def, label):
    """(names, records) as the device would take them on this board; ProgramFileError naming
    label (the file) and the field."""
    ctrl = fw_controller.Controller(board_def, lambda end, start: end - start)
    try:
        return fw_program_file.parse(text, ctrl, board_def["name"])
    except ValueError as e:
        raise ProgramFileError(f"{label}: {e}") from None


@contextlib.contextmanager
def installed(custom):
    """The built-in programs and `custom` ((names, records) from check()) while the block runs;
    the firmware's tables as they were afterwards."""
    programs = fw.programs
    saved = programs.NAMES, programs.PROGRAMS, programs.COUNT
    fw_program_file.install(custom)
    try:
        yield
    finally:
        programs.NAMES, programs.PROGRAMS, programs.COUNT = saved
