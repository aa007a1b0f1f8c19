"""Shape-key keyframes, written fast: one new Action per line on the mesh's Key datablock.

Keys go in with `keyframe_points.add` + `foreach_set` (thousands of keys in milliseconds, where
`keyframe_insert` per key takes seconds). On 4.4+ the Action is layered (layer, keyframe strip, a slot for
the Key, a channelbag); on 4.2/4.3 it has legacy F-curves. Nothing existing is modified: the Action is new,
and a previously assigned Action keeps a fake user so it is never dropped on save.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import bpy
import numpy as np

from .compat import LAYERED_ACTIONS

CHANNEL_GROUP = "UniTAF"
NLA_TRACK_NAME = "UniTAF"
INTERPOLATION_LINEAR = 1    # the enum value of 'LINEAR' in KeyframePoint.interpolation


@dataclass
class WrittenAction:
    action: Any                     # bpy.types.Action
    slot: Any | None                # bpy.types.ActionSlot on 4.4+, else None
    fcurve_count: int
    nla_strip_name: str | None = None


def shape_key_data_path(key_block_name: str) -> str:
    return f'key_blocks["{bpy.utils.escape_identifier(key_block_name)}"].value'


def new_key_action(key: Any, name: str) -> tuple[Any, Any | None, Any]:
    """A new, empty Action for a Key datablock: (action, slot or None, where F-curves are created)."""
    action = bpy.data.actions.new(name)
    if not LAYERED_ACTIONS:
        # Legacy F-curves: 4.2/4.3 only (5.0 removed them, so the 5.0 stubs lack them).
        return action, None, action.fcurves  # type: ignore[attr-defined]
    slot = action.slots.new(id_type="KEY", name=key.name)
    layer = action.layers.new("Layer")
    strip = layer.strips.new(type="KEYFRAME")
    # A keyframe strip has channelbag(); the stubs type layers.strips.new() as the base ActionStrip.
    channelbag = strip.channelbag(slot, ensure=True)  # type: ignore[attr-defined]
    return action, slot, channelbag.fcurves


def write_fcurve(fcurves: Any, data_path: str, frames: np.ndarray, values: np.ndarray) -> Any:
    """One F-curve with a key per frame, linear between keys (dense keys need no Bezier handles)."""
    if LAYERED_ACTIONS:
        fcurve = fcurves.new(data_path, index=0)
    else:
        fcurve = fcurves.new(data_path, index=0, action_group=CHANNEL_GROUP)
    n = len(frames)
    points = fcurve.keyframe_points
    points.add(n)
    co = np.empty(2 * n, dtype=np.float32)
    co[0::2] = frames
    co[1::2] = values
    points.foreach_set("co", co)
    points.foreach_set("interpolation", np.full(n, INTERPOLATION_LINEAR, dtype=np.int32))
    fcurve.update()
    return fcurve


def write_key_action(key: Any, name: str, frames: np.ndarray, curves: dict[str, np.ndarray]) -> WrittenAction:
    """A new Action named `name` with one F-curve per shape key in `curves` (key-block name -> values)."""
    action, slot, fcurves = new_key_action(key, name)
    try:
        for block_name, values in curves.items():
            write_fcurve(fcurves, shape_key_data_path(block_name), frames, values)
    except Exception:
        bpy.data.actions.remove(action)
        raise
    return WrittenAction(action=action, slot=slot, fcurve_count=len(curves))


def assign_action(key: Any, written: WrittenAction, *, use_nla: bool, start_frame: int) -> None:
    """Play the new Action on the Key: as its active Action, or as a new NLA strip at start_frame."""
    anim = key.animation_data or key.animation_data_create()
    if use_nla:
        written.nla_strip_name = _add_nla_strip(anim, written, start_frame)
        return
    previous = anim.action
    if previous is not None and previous.users <= 1 and not previous.use_fake_user:
        previous.use_fake_user = True     # still reachable after the swap, kept when the file is saved
    anim.action = written.action
    if written.slot is not None:
        anim.action_slot = written.slot


def _add_nla_strip(anim: Any, written: WrittenAction, start_frame: int) -> str:
    """A strip on the lowest UniTAF track with room at start_frame, or on a new track on top.

    Strips on the lowest UniTAF track keep Blender's extrapolation (the first holds, later ones hold
    forward), so the face always has a value. A strip on a higher track (lines that overlap) plays only
    over its own frames ('NOTHING'): held forward it would hide every later line below it.
    """
    ours = [t for t in anim.nla_tracks if t.name.startswith(NLA_TRACK_NAME)]
    strip = None
    for track in ours:
        try:
            strip = track.strips.new(written.action.name, start_frame, written.action)
            break
        except RuntimeError:      # no room on this track
            continue
    if strip is None:
        track = anim.nla_tracks.new()
        track.name = NLA_TRACK_NAME
        strip = track.strips.new(written.action.name, start_frame, written.action)
    if ours and track != ours[0]:
        strip.extrapolation = "NOTHING"
    if written.slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = written.slot
    return str(strip.name)


def fcurves_of(action: Any, key: Any | None = None) -> list[Any]:
    """All F-curves of an Action we wrote (layered or legacy), for checks and tests."""
    if not LAYERED_ACTIONS:
        return list(action.fcurves)
    curves: list[Any] = []
    for layer in action.layers:
        for strip in layer.strips:
            for slot in action.slots:
                if key is not None and slot.target_id_type != "KEY":
                    continue
                bag = strip.channelbag(slot)
                if bag is not None:
                    curves.extend(bag.fcurves)
    return curves
