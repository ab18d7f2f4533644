import os

import limits
import programs
from settings import Settings
from support import fresh_path, write

def defaults_ok(s):
    assert s.program == 0
    assert s.levels == [p[programs.LEVEL_DEFAULT] for p in programs.PROGRAMS]
    assert s.session_min == limits.SESSION_DEFAULT_MIN


def test_missing_file_gives_defaults_and_says_so():
    s = Settings(fresh_path("settings"))
    assert s.load() is False
    defaults_ok(s)
    assert "no settings file" in s.problem


def test_round_trip():
    path = fresh_path("settings")
    s = Settings(path)
    s.program = programs.find("recovery")
    s.levels[s.program] = 650
    s.session_min = 20
    s.save()
    t = Settings(path)
    assert t.load() is True and t.problem == ""
    assert t.program == s.program and t.levels == s.levels and t.session_min == 20


def test_truncated_or_malformed_file_falls_back_to_defaults():
    for text in ('{"program": "recovery", "levels_mm', "", "not json", "[1, 2]", "null"):
        path = fresh_path("settings")
        write(path, text)
        s = Settings(path)
        assert s.load() is False
        defaults_ok(s)
        assert s.problem


def test_out_of_range_fields_fall_back_one_by_one():
    path = fresh_path("settings")
    write(path, '{"program": "recovery", "levels_mmhg": {"gradient": 50, "recovery": 500}, "session_min": 30}')
    s = Settings(path)
    assert s.load() is False
    assert s.program == programs.find("recovery") and s.session_min == 30
    assert s.levels[programs.find("recovery")] == programs.PROGRAMS[programs.find("recovery")][programs.LEVEL_DEFAULT]
    assert s.levels[programs.find("gradient")] == 500
    assert "out of range" in s.problem
    for bad in ('"session_min": 9999', '"session_min": true', '"program": "turbo"', '"levels_mmhg": 7'):
        path = fresh_path("settings")
        write(path, "{" + bad + "}")
        s = Settings(path)
        assert s.load() is False
        defaults_ok(s)
        assert s.problem


def test_a_write_cut_off_halfway_keeps_the_previous_settings():
    path = fresh_path("settings")
    good = Settings(path)
    good.session_min = 45
    good.save()
    # A reset while the temporary file is being written: the saved file is untouched.
    write(path + ".tmp", '{"program": "recov')
    s = Settings(path)
    assert s.load() is True and s.session_min == 45


class PowerCut:
    """os stand-in that loses power at its n-th rename."""

    def __init__(self, at):
        self.at = at
        self.calls = 0

    def remove(self, p):
        os.remove(p)

    def rename(self, a, b):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt  # the board is gone: nothing after this runs
        os.rename(a, b)


def test_a_reset_between_the_two_renames_keeps_the_previous_settings():
    for cut in (1, 2):
        path = fresh_path("settings")
        good = Settings(path)
        good.session_min = 45
        good.save()
        new = Settings(path, fs=PowerCut(cut))
        new.session_min = 15
        try:
            new.save()
        except KeyboardInterrupt:
            pass
        s = Settings(path)
        s.load()
        assert s.session_min == 45, cut


def test_a_save_keeps_the_levels_of_programs_this_firmware_does_not_have():
    # A custom program's level, saved while its /programs.json was in use: the file is refused
    # later, the built-in programs run, a setting changes and is saved; the level stays.
    path = fresh_path("settings")
    write(path, '{"program": "calf-pulse", "levels_mmhg": {"gradient": 50, "calf-pulse": 55}, "session_min": 30}')
    s = Settings(path)
    assert s.load() is False and "unknown program" in s.problem
    s.levels[0] = 400
    s.save()
    t = Settings(path)
    t.load()
    assert t.levels[0] == 400
    import json

    with open(path) as f:
        saved = json.loads(f.read())
    assert saved["levels_mmhg"]["calf-pulse"] == 55 and saved["levels_mmhg"]["gradient"] == 40
