"""The README's pictures are what the simulator draws today: report/images.py draws each again
here and it is compared with the one in docs/img, pixel by pixel, loosely (a changed wave moves
lines across the picture; a different font build moves a few pixels of text). When this fails
after a change to the firmware, the plant or the plot, run `python -m pulseboot.report.images`
and look at the pictures before committing them."""
import numpy as np
import pytest
from matplotlib import image as mpimg
from pulseboot import fw
from pulseboot.report import images

README = (fw.ROOT / "README.md").read_text()


@pytest.mark.parametrize("name", list(images.IMAGES))
def test_each_image_is_current(tmp_path, name):
    kept = images.OUT / f"{name}.png"
    assert kept.exists(), f"{kept} is missing: run python -m pulseboot.report.images"
    fresh = tmp_path / f"{name}.png"
    images.draw(name, fresh)
    a, b = mpimg.imread(kept), mpimg.imread(fresh)
    assert a.shape == b.shape, f"{name}: {a.shape} now {b.shape}: run python -m pulseboot.report.images"
    differ = float((np.abs(a - b).max(axis=2) > 0.1).mean())
    assert differ < 0.003, f"{name}: {100 * differ:.1f} % of the pixels changed: run python -m pulseboot.report.images"


def test_the_readme_shows_each_image_and_says_how_it_is_made():
    for name in images.IMAGES:
        assert f"(docs/img/{name}.png)" in README, name
    assert "python -m pulseboot.report.images" in README
