# pytest only (run.py does the same for MicroPython): the settings files a core test
# wrote under /tmp go when it ends.
import pytest

import support


@pytest.fixture(autouse=True)
def _remove_settings_files():
    yield
    support.remove_files()
