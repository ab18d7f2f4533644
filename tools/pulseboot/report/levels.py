"""The level a board really uses, and why it may be lower than the one asked for.

The firmware lowers any level whose trip margin its sensors could not read
(Controller.level_in_use: the sensors' span less each one's zero offset less the
limiter's margin, in level steps; see firmware/lib/controller.py). Nothing here
restates that rule: zeroed() builds the firmware's own Controller and lets it zero its
sensors, and the callers ask it; the texts below only word its answer.
"""
from pulseboot import fw

import controller as fw_controller  # firmware/lib, importable once fw is loaded
import faults as fw_faults

LOWERED_BY = "sensor range"  # the summary's and the listing's `level_lowered_by`


def zeroed(board_def, zero_dmmhg=0):
    """The firmware's Controller for this board, zeroed with every sensor reading
    zero_dmmhg at rest (0: a module with no zero offset), idle."""
    ctrl = fw_controller.Controller(board_def, lambda end, start: end - start)
    readings = [zero_dmmhg] * ctrl.sensors
    t = 0
    while ctrl.state == fw_faults.ZEROING and t <= ctrl.zero_timeout_ms:
        ctrl.step(t, readings, 0)
        t += ctrl.tick_ms
    if ctrl.state != fw_faults.IDLE:
        raise RuntimeError("board %s: the controller did not zero on steady readings" % board_def["name"])
    return ctrl


def in_use(ctrl, index, level):
    """The level (dmmHg) ctrl would run program `index` at when `level` is chosen; None
    when the board cannot run that program. Leaves ctrl's choice as it found it."""
    program, saved = ctrl.program, ctrl.levels[index]
    try:
        if not ctrl.select_program(index):
            return None
        ctrl.levels[index] = level
        return ctrl.level_in_use()
    finally:
        ctrl.levels[index] = saved
        ctrl.select_program(program)


def why(ctrl):
    """Why a level is lowered on this board, in words, from the controller's figures."""
    span = ctrl.sensor_span / 10
    margin = fw.limits.TRIP_MARGIN_DMMHG / 10
    step = fw.limits.LEVEL_STEP_DMMHG / 10
    return ("the sensors read up to %g mmHg above their zero, less each one's zero offset and the %g mmHg "
            "trip margin, in %g mmHg steps" % (span, margin, step))


def lowered(requested_mmhg, applied_mmhg):
    """'level 70 lowered to 55: sensor range', or '' when it was not lowered."""
    if applied_mmhg is None or requested_mmhg is None or applied_mmhg >= requested_mmhg:
        return ""
    return "level %g lowered to %g: %s" % (requested_mmhg, applied_mmhg, LOWERED_BY)
