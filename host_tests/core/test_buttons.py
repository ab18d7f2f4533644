import buttons


def feed(b, raw, ms, step=25):
    shorts = 0
    longs = 0
    for _ in range(ms // step):
        b.update(step, raw)
        shorts |= b.short
        longs |= b.long
    return shorts, longs


def test_short_press_reported_once_on_release():
    b = buttons.Buttons()
    s, lng = feed(b, 1 << buttons.START, 200)
    assert (s, lng) == (0, 0)  # nothing while held
    s, lng = feed(b, 0, 100)
    assert s == 1 << buttons.START and lng == 0
    s, lng = feed(b, 0, 500)
    assert (s, lng) == (0, 0)


def test_bounce_shorter_than_debounce_is_ignored():
    b = buttons.Buttons()
    b.update(10, 1 << buttons.UP)
    b.update(10, 0)
    b.update(10, 1 << buttons.UP)
    b.update(5, 0)
    s, lng = feed(b, 0, 200, step=5)
    assert (s, lng) == (0, 0)


def test_long_press_reported_while_held_and_no_short_after():
    b = buttons.Buttons()
    s, lng = feed(b, 1 << buttons.START, 1400)
    assert lng == 0
    s, lng = feed(b, 1 << buttons.START, 300)
    assert lng == 1 << buttons.START and s == 0
    s, lng = feed(b, 0, 200)
    assert (s, lng) == (0, 0)


def test_buttons_are_independent():
    b = buttons.Buttons()
    feed(b, (1 << buttons.UP) | (1 << buttons.MODE), 100)
    s, _ = feed(b, 1 << buttons.MODE, 100)
    assert s == 1 << buttons.UP
    s, _ = feed(b, 0, 100)
    assert s == 1 << buttons.MODE
