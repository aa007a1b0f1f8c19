"""Shape-key keyframes, written fast: one new Action per line on the mesh's Key datablock.

Keys go in with `keyframe_points.add` + `foreach_set` (thousands of keys in milliseconds, where
`keyframe_insert` per key takes seconds). On 4.4+ the Action is layered (layer, keyframe strip, a slot for
the Key, a channelbag); on 4.2/4.3 it has legacy F-curves. Each line plays from its own NLA track; nothing
becomes the active Action, and no track, strip or Action that is not a line of ours is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import bpy
import numpy as np

from .compat import LAYERED_ACTIONS

CHANNEL_GROUP = "UniTAF"
LINE_TAG = "unitaf_line"       # custom property on every Action that is a line of ours
INTERPOLATION_LINEAR = 1    # the enum value of 'LINEAR' in KeyframePoint.interpolation


@dataclass
class WrittenAction:
    action: Any                     # bpy.types.Action
    slot: Any | None                # bpy.types.ActionSlot on 4.4+, else None
    fcurve_count: int
    nla_strip_name: str | None = None


def shape_key_data_path(key_block_name: str) -> str:
    return f'key_blocks["{bpy.utils.escape_identifier(key_block_name)}"].value'


def new_key_action(key: Any, name: str, id_type: str = "KEY") -> tuple[Any, Any | None, Any]:
    """A new, empty Action for a datablock (a Key by default): (action, slot or None, where F-curves are
    created)."""
    action = bpy.data.actions.new(name)
    if not LAYERED_ACTIONS:
        # Legacy F-curves: 4.2/4.3 only (5.0 removed them, so the 5.0 stubs lack them).
        return action, None, action.fcurves  # type: ignore[attr-defined]
    slot = action.slots.new(id_type=id_type, name=key.name)  # type: ignore[arg-type]
    layer = action.layers.new("Layer")
    strip = layer.strips.new(type="KEYFRAME")
    # A keyframe strip has channelbag(); the stubs type layers.strips.new() as the base ActionStrip.
    channelbag = strip.channelbag(slot, ensure=True)  # type: ignore[attr-defined]
    return action, slot, channelbag.fcurves


def write_fcurve(fcurves: Any, data_path: str, frames: np.ndarray, values: np.ndarray, index: int = 0) -> Any:
    """One F-curve with a key per frame, linear between keys (dense keys need no Bezier handles)."""
    if LAYERED_ACTIONS:
        fcurve = fcurves.new(data_path, index=index)
    else:
        fcurve = fcurves.new(data_path, index=index, action_group=CHANNEL_GROUP)
    _fill(fcurve, frames, values)
    return fcurve


def _fill(fcurve: Any, frames: np.ndarray, values: np.ndarray) -> None:
    n = len(frames)
    points = fcurve.keyframe_points
    points.add(n)
    co = np.empty(2 * n, dtype=np.float32)
    co[0::2] = frames
    co[1::2] = values
    points.foreach_set("co", co)
    points.foreach_set("interpolation", np.full(n, INTERPOLATION_LINEAR, dtype=np.int32))
    fcurve.update()


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


def assign_action(key: Any, written: WrittenAction, *, start_frame: int) -> None:
    """Play the new Action as the only strip of a new NLA track of ours on top of the Key's tracks.

    One strip per track: Blender's glTF exporter writes one animation per single-strip track (it skips
    tracks with several strips), and a line can be removed or retaken without moving any other. The
    caller settles the tracks afterwards (`lines.settle`).
    """
    anim = key.animation_data or key.animation_data_create()
    adopt_active_line(anim)
    track = anim.nla_tracks.new()
    track.name = written.action.name
    strip = track.strips.new(written.action.name, int(start_frame), written.action)
    if written.slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = written.slot
    written.nla_strip_name = str(strip.name)


def is_line_action(action: Any) -> bool:
    return action is not None and action.get(LINE_TAG) is not None


def line_tracks(anim: Any) -> list[Any]:
    """Our tracks, bottom first: those whose one strip plays a line's Action."""
    if anim is None:
        return []
    return [t for t in anim.nla_tracks
            if len(t.strips) == 1 and is_line_action(t.strips[0].action)]


def replace_strip(track: Any) -> Any:
    """The track's one strip made again over its Action's (new) frame range; returns the new strip."""
    old = track.strips[0]
    action, slot, name = old.action, getattr(old, "action_slot", None), old.name
    track.strips.remove(old)
    strip = track.strips.new(name, int(action.frame_range[0]), action)
    if slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = slot
    return strip


def settle_tracks(anim: Any, blends: dict[str, tuple[float, float]] | None = None,
                  idle: Any | None = None) -> None:
    """Make every line play, whatever was added or removed.

    Without an idle track, the lowest line holds its first and last keys (both at rest) over every frame
    no line covers, so the face reads rest outside lines (an unanimated frame would read the property's
    default, which is 1.0 for a shape key on 5.0). The other lines play only over their own frames
    ('NOTHING': a held line would hide every later one below it), with a one-frame blend in and out:
    their outer rest keys never show, and two lines that share a ramp hand over without a dip to rest.
    With an idle track (the lowest of ours, held), every line plays only over its own frames and blends
    in and out against the idle motion over the frames `blends` gives per track (its ramps).
    """
    if idle is not None:
        strip = idle.strips[0]
        strip.use_auto_blend = False
        strip.extrapolation = "HOLD"
        strip.blend_in = strip.blend_out = 0.0
    for i, track in enumerate(line_tracks(anim)):
        strip = track.strips[0]
        strip.use_auto_blend = False
        if i == 0 and idle is None:
            strip.extrapolation = "HOLD"
            strip.blend_in = strip.blend_out = 0.0
            continue
        strip.extrapolation = "NOTHING"
        blend_in, blend_out = (blends or {}).get(track.name, (1.0, 1.0)) if idle is not None else (1.0, 1.0)
        strip.blend_in, strip.blend_out = float(blend_in), float(blend_out)


def read_keys(fcurve: Any) -> tuple[np.ndarray, np.ndarray]:
    """An F-curve's key frames and values (bulk read)."""
    n = len(fcurve.keyframe_points)
    co = np.empty(2 * n, dtype=np.float32)
    fcurve.keyframe_points.foreach_get("co", co)
    return co[0::2].copy(), co[1::2].copy()


def replace_keys(fcurve: Any, frames: np.ndarray, values: np.ndarray) -> None:
    """All of an F-curve's keys replaced (bulk write), linear between keys."""
    fcurve.keyframe_points.clear()
    _fill(fcurve, frames, values)


def adopt_active_line(anim: Any) -> None:
    """An active Action of ours (a file from an earlier version) becomes a track like every other line."""
    action = anim.action
    if not is_line_action(action):
        return
    slot = getattr(anim, "action_slot", None)
    anim.action = None
    track = anim.nla_tracks.new()
    track.name = action.name
    strip = track.strips.new(action.name, int(action.frame_range[0]), action)
    if slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = slot
    action.use_fake_user = False


def layer_user_action(anim: Any, data_paths: set[str]) -> str | None:
    """Keep the user's own active Action and let the lines still play under it.

    An active Action is evaluated on top of the NLA; with 'Replace' it hides the lines on every shape key
    it animates. Where it animates keys the line drives, its blending becomes 'Add': its keys add to the
    line's. Returns a sentence for the report, or None when nothing needed changing.
    """
    action = anim.action
    if action is None or is_line_action(action):
        return None
    shared = sorted({fc.data_path for fc in fcurves_of(action)} & data_paths)
    if not shared or anim.action_blend_type != "REPLACE":
        return None
    anim.action_blend_type = "ADD"
    names = [p.split('"')[1] for p in shared[:3]]
    more = f" and {len(shared) - 3} more" if len(shared) > 3 else ""
    return (f"your Action '{action.name}' stays active; its blending is now Add, so its keys on "
            f"{', '.join(names)}{more} add to the lines instead of hiding them")


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
