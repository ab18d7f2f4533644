"""The fake machine.Timer (tools/pulseboot/fakeboard): callbacks run from World.advance at
their virtual deadlines, one-shot or periodic, re-armed by init(), stopped by deinit() and by a
power cycle; and the pump's lease on it turns a pump off once the loop stops commanding it."""
import limits
from pulseboot.fakeboard.world import World
from device import Pump


def timer_world():
    w = World()
    fired = []
    return w, w.machine.Timer(0), fired


def test_a_one_shot_fires_once_at_its_deadline_even_inside_a_longer_step():
    w, t, fired = timer_world()
    t.init(mode=t.ONE_SHOT, period=100, callback=lambda tm: fired.append(w.clock.elapsed_ms))
    w.advance(99)
    assert fired == []
    w.advance(250)  # the deadline falls inside the step: time stops there for the callback
    assert fired == [100] and w.clock.elapsed_ms == 349
    w.advance(1000)
    assert fired == [100]


def test_init_rearms_a_one_shot_and_deinit_stops_it():
    w, t, fired = timer_world()
    cb = lambda tm: fired.append(w.clock.elapsed_ms)  # noqa: E731
    for _ in range(10):  # re-armed every 25 ms: never runs out
        t.init(mode=t.ONE_SHOT, period=100, callback=cb)
        w.advance(25)
    assert fired == []
    w.advance(200)
    assert fired == [325]
    t.init(mode=t.ONE_SHOT, period=100, callback=cb)
    t.deinit()
    w.advance(500)
    assert fired == [325]


def test_a_periodic_timer_goes_round_until_a_power_cycle_clears_it():
    w, t, fired = timer_world()
    t.init(mode=t.PERIODIC, period=40, callback=lambda tm: fired.append(w.clock.elapsed_ms))
    w.advance(130)
    assert fired == [40, 80, 120]
    w.power_cycle()
    w.advance(500)
    assert fired == [40, 80, 120]


def test_without_any_timer_armed_advance_is_unchanged():
    w = World()
    w.advance(25)
    assert w.timers == [] and w.clock.elapsed_ms == 25


def test_the_pump_lease_on_the_fake_timer_stops_a_pump_the_loop_no_longer_commands():
    w = World()
    m = w.machine
    pwm = m.PWM(m.Pin(1, m.Pin.OUT))
    pump = Pump(pwm, 20000, m.Timer(0))
    for _ in range(8):  # the loop running: the lease renewed every tick
        pump.set(100)
        w.advance(25)
    assert pwm.duty_u16() == 65535
    w.advance(limits.PUMP_LEASE_MS - 25)  # the loop hangs after its last command
    assert pwm.duty_u16() == 0 and pump.duty == 0
