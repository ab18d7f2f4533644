# The one safety-limits table. Firmware and host tests both import these names,
# so a limit changed here changes what the device enforces and what CI checks.
# Units: pressure in tenths of mmHg (dmmHg), time in ms.
from micropython import const

# Absolute ceiling: no chamber may ever exceed this, whatever the board says.
# 200 mmHg is the top of the range quoted for consumer boots; boards may set lower.
HARD_LIMIT_DMMHG = const(2000)
# A chamber trips when it rises this far above its own target for the cycle: at once while the
# pump runs, after OVERPRESSURE_MS with it off (no air comes in; a movement of the limb pushes a
# held bladder up for under a second).
TRIP_MARGIN_DMMHG = const(150)
OVERPRESSURE_MS = const(1000)
# UP/DOWN change the pressure level (the distal/zone target) by this much, within the
# program's own range (programs.py).
LEVEL_STEP_DMMHG = const(50)
# A chamber counts as vented below this pressure (a refill needs the limb unloaded).
VENTED_DMMHG = const(30)
# Pump may not run longer than this without a pause (a runaway or a hose off).
PUMP_MAX_ON_MS = const(45000)
# The pump driver's own maximum on-time (device.py's Pump): a timer turns the pump off unless the
# control loop commands it again within this long, so a hung loop cannot keep pumping until
# the watchdog bites. Four control ticks.
PUMP_LEASE_MS = const(100)
# One chamber must reach its target within this long (leak, hose off, weak pump).
FILL_TIMEOUT_MS = const(30000)
# A chamber told to vent must fall below VENTED_DMMHG within this long (kinked hose, stuck valve).
VENT_TIMEOUT_MS = const(15000)
# The same through one shared exhaust, per chamber on the board (every chamber drains
# through its inlet, the manifold and a single valve: the time grows with the air to let out).
VENT_TIMEOUT_SHARED_PER_CHAMBER_MS = const(7500)
# A held chamber (both valves shut) whose reading stands more than this below its highest since
# it was last fed (or below its target) for LEAK_DROP_MS is leaking: a healthy one is topped up
# long before (the regulator's band is 2 mmHg), and a movement of the limb is over sooner. What
# its top-ups put back: HOLD_AIR_PCT below.
LEAK_DROP_DMMHG = const(30)
LEAK_DROP_MS = const(1000)
# A chamber's own sensor reading within a sixteenth of its target must settle there (the
# regulator's verdict) within this long: one that hovers short while the pump tops it up loses
# the air as fast as it comes (LEAK).
NEAR_TARGET_MS = const(6000)
# While the pump feeds a chamber its reading must rise at least this much within this much
# feeding time, or the reading is not the chamber's: a stuck or detached sensor (which
# would let the pump run on unseen), a hose off or kinked. Feeding time counts at the pump's
# duty (ms at full pump: a slow top-up has as long as its air needs) and adds up across top-up
# bursts; only a rise (or venting the chamber) starts it again. Once the fill has shown how
# fast it rises (the feeding time its last NO_RISE_RATE_DMMHG took), the window shrinks to
# that time, never below NO_RISE_MIN_MS: a reading that stops while the chamber rises fast
# is caught before the pump has added much.
NO_RISE_MS = const(1500)
NO_RISE_DMMHG = const(5)
NO_RISE_RATE_DMMHG = const(20)
NO_RISE_MIN_MS = const(250)
# Until a fill has shown its first NO_RISE_RATE_DMMHG, a fresh window asks for twice as much: on
# a limb a chamber whose vent is shut rises some 0.5 mmHg as its neighbours fill, the air its
# own fill should give or not; a healthy fill rises that far in half its window.
NO_RISE_FIRST_DMMHG = const(10)
# A fill's first window opens at most this much above where the reading stands, toward its mean,
# when the sensor's noise has dipped it: the noise's next swing up is no rise.
NO_RISE_NOISE_DMMHG = const(3)
# A reading whose chamber's vent is shut may not fall more than FALL_DMMHG below its lowest of
# the FALL_BLOCK_MS block before: with both valves shut only a leak lets air out, about
# 10 mmHg/s at the worst (FALL_DMMHG per block is 15 mmHg/s). Faster is a sensor come off its
# chamber (or the chamber's hose): SENSOR. A chamber's own sensor, on a limb, is judged over
# twice the block and twice the fall (the same 15 mmHg/s) and the fall must stand FALL_MS: a
# movement of the limb pushes a reading up (some 12 mmHg) and lets it drop as fast, or dips it,
# for under a second (the longer block outlasts the push's rise). While a fall of more than
# 1/FALL_HUSH_PART of the reading stands the pump is held off: top-ups would follow a sensor that
# lost its gain up (a neighbour venting takes a few mmHg, a sixth of a low target).
FALL_HUSH_PART = const(3)
FALL_DMMHG = const(30)
FALL_BLOCK_MS = const(200)
FALL_MS = const(1000)
# While the pump feeds a chamber through its open inlet its pressure can only rise: a reading
# (its own sensor's) more than this below its best since the burst settled is not all of it.
# A healthy fill's reading dips at most 0.4 mmHg (the sensor's noise); a limb's movement pushes
# it up and lets it drop, or dips it, for under a second: the pump first waits HUSH_MS, and the
# reading must then be back to the lowest of the FALL_BLOCK_MS block before the fall (once; it
# must rise before the next wait), but never less than FED_BACK_PCT of its best: a push lifts a
# bladder by what the limb presses into it over the bladder's give, a few mmHg where the
# bladder is soft and low, up to ~15 mmHg high up, well under a quarter of the pressure, while a
# sensor that lost gain on a fast fill (whose block before lies far below) drops by its share.
# A reading that rose 2 mmHg at over twice the rate of its fill's 2 mmHg before, within FALL_MS,
# is judged the same way from where that rise began (a push, whose rise the block before may have begun part-way up).
# A push the block before already held may give back FED_GIVE_PCT of the best (the fill went on
# under it, the limb creeps while the pump waits): more than FED_FALL_DMMHG only above 25 mmHg,
# where a sensor losing gain loses far more.
# The same when a fed reading stops rising well below where it stood (NO_RISE).
FED_FALL_DMMHG = const(20)
HUSH_MS = const(800)
FED_BACK_PCT = const(80)
FED_GIVE_PCT = const(8)
# A chamber that needs more air (pump duty x time) than its last fill to the same target,
# by AIR_MARGIN_PCT, before its reading reaches the target, or that still reads more than
# AIR_SHORT_DMMHG short of it with AIR_SHORT_PCT more (fills repeat within a few %; on a limb,
# whose creep takes more air the slower a fill goes, within 6 %): the
# reading is low (a sensor reading a share of the pressure) or the air goes elsewhere (AIR).
# Both grow by AIR_SPREAD times how far its fills stray from the one before (a running mean): on
# a soft limb with a strong pulse, the pulse's phase at the cut and the creep left from the last
# fill make fills stray by up to 8 % either way.
AIR_MARGIN_PCT = const(10)
AIR_SPREAD = const(2)
AIR_SHORT_PCT = const(8)
AIR_SHORT_DMMHG = const(50)
# A held chamber's top-ups may add up to HOLD_AIR_PCT of the air its fill took, and
# HOLD_AIR_PCT_PER_MIN more for every minute held (a healthy bladder's slow seep), beyond what the
# limb's creep takes (HOLD_CREEP_PCT below); more is a leak, or a reading drifting down that
# top-ups would follow upward (LEAK). On a limb one top-up makes good 2 mmHg of a chamber whose
# limb gives under it: some 2-4 % of a fill's air; the holds of a chamber differ by as much.
HOLD_AIR_PCT = const(5)
HOLD_AIR_PCT_PER_MIN = const(20)
# On a limb a held chamber's top-ups also make good the tissue creeping away under it (the slow
# part of the volume pressed out of the limb, time constant 2-6 s): some 21 % of the fill's air on
# an arm sleeve, 13 % on a leg, in a first hold; a limb three times as soft, over 40 %. A chamber's
# later holds are allowed what its earlier ones took twice over, never more than HOLD_CREEP_PCT
# (learned a quarter of the way from a smaller hold, an eighth from a bigger one: a leak that starts
# must not teach its own allowance). Its first hold (and the first after the targets change), and
# a hold on a limb whose earlier holds took more than HOLD_CREEP_PCT allows (a soft limb), are
# allowed HOLD_CREEP_FIRST_PCT until HOLD_FRONT_MS held, then twice what they took by then, from
# HOLD_CREEP_PCT to HOLD_CREEP_MOST_PCT: creep comes early (the slowest, 6 s, has taken 63 % of its
# air by then), a steady leak's air does not (it takes as much again in the next HOLD_FRONT_MS).
# No more than the softest arm's holds take (43 %): top-ups in a hold's first seconds may also be
# following a sensor that loses its gain over a few seconds, and this is how far they may.
HOLD_CREEP_PCT = const(25)
HOLD_CREEP_FIRST_PCT = const(35)
HOLD_FRONT_MS = const(6000)
HOLD_CREEP_MOST_PCT = const(45)
# ... and only in a hold's first HOLD_CREEP_MS (three of the slowest creep's time constants: 95 %
# of it is over): the top-ups after it may add up to HOLD_AIR_PCT and the per-minute share alone.
HOLD_CREEP_MS = const(18000)
# Only a hold this long or longer teaches what the creep takes (a 1 s clearing pulse says nothing
# of a wave's longer hold).
HOLD_CREEP_LEARN_MS = const(2000)
# Either margin (a fill's AIR_MARGIN_PCT, a hold's top-ups) is never less than this much
# full-pump time: a small rigid chamber, a bottle on the bench, fills in a dozen ticks, and
# one tick more or a top-up after its gas cools is a good share of that.
AIR_MIN_MS = const(100)
# Tourniquet guard: no chamber above TOURNIQUET_DMMHG (veins cannot refill above it) for
# longer than TOURNIQUET_MS in one go. A program whose timings could need longer is refused.
TOURNIQUET_DMMHG = const(200)
TOURNIQUET_MS = const(180000)
# The sensor's plausible range after zeroing (module span is 0-40 kPa, about 300 mmHg).
SENSOR_MIN_DMMHG = const(-200)
SENSOR_MAX_DMMHG = const(3000)
# A reading older than this means the sensor stopped answering.
SENSOR_STALE_MS = const(500)
# Zero offset found at start-up with the chambers vented may not exceed this.
ZERO_OFFSET_MAX_DMMHG = const(300)
# A chamber vented for VENTED_SETTLE_MS reads zero or more, give or take its noise: one more
# than ZERO_DRIFT_DMMHG below zero has a zero that walked away (ZERO_OFFSET), and a
# chamber that reads low under-reports every fill.
ZERO_DRIFT_DMMHG = const(40)
VENTED_SETTLE_MS = const(250)
# The watchdog resets a board whose loop stops being fed for this long (80 ticks): far
# above any honest pause, short next to a fill.
WDT_TIMEOUT_MS = const(2000)
# Session length the user may set, in minutes.
SESSION_MIN_MIN = const(5)
SESSION_MAX_MIN = const(90)
SESSION_DEFAULT_MIN = const(30)
