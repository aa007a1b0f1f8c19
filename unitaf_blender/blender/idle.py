"""Idle fill: a character's face keeps living between its lines (blinks, gaze, breathing).

The backend's idle clip (`Backend.idle`) becomes one Action of ours (tagged `unitaf_idle`) on its own NLA
track, the lowest of the character's tracks of ours, held over the whole timeline; every line plays over
it and blends in and out against it over its ramps (see writer.settle_tracks). One idle track per
character; filling again replaces it; removing it gives the rest pose back between lines. It covers the
scene's range and every line of the character; once the range or the lines reach beyond it, it is stale
(`stale_reason`) and filling again renews it.
"""

from __future__ import annotations

from typing import Any

import bpy

from ..core import timing
from ..core.backend_api import IdleResult
from ..core.mapping import Mapping, target_curves
from . import lines, writer
from .apply import ApplyError, resolve_mapping

MARGIN_SECONDS = 1.0          # idle motion a little beyond the scene's range, for handles and pre-roll
IDLE_SEED_TAG = "unitaf_idle_seed"


def _needed(scene: Any, obj: Any | None) -> tuple[int, int]:
    """Frames idle motion must cover: the scene's range and every line of `obj` (ramps included)."""
    first, last = int(scene.frame_start), int(scene.frame_end)
    for line in lines.lines_of(obj) if obj is not None else []:
        for strip in line.track.strips:
            first, last = min(first, int(strip.frame_start)), max(last, int(strip.frame_end + 0.999))
    return first, last


def idle_span(scene: Any, obj: Any | None = None) -> tuple[int, int]:
    """Frames the idle clip covers: the scene's range and the object's lines, plus a margin each side."""
    fps = timing.scene_fps(scene.render.fps, scene.render.fps_base)
    margin = round(MARGIN_SECONDS * fps)
    first, last = _needed(scene, obj)
    return first - margin, last + margin


def idle_seed(obj: Any) -> int | None:
    """The seed the object's idle motion was made with (None: it has none)."""
    track = lines.idle_track(lines.shape_key_anim(obj))
    return None if track is None else int(track.strips[0].action.get(IDLE_SEED_TAG, 0))


def stale_reason(scene: Any, obj: Any) -> str:
    """Why the object's idle motion no longer covers what it should ("" when it does, or there is none)."""
    track = lines.idle_track(lines.shape_key_anim(obj))
    if track is None:
        return ""
    strip = track.strips[0]
    have = int(strip.frame_start), int(strip.frame_end)
    first, last = _needed(scene, obj)
    if have[0] <= first and last <= have[1]:
        return ""
    return f"idle motion covers frames {have[0]}-{have[1]}, the scene and lines now {first}-{last}"


def remove_idle(scene: Any, obj: Any) -> bool:
    """Remove the object's idle track and Action; True when there was one."""
    anim = lines.shape_key_anim(obj)
    track = lines.idle_track(anim)
    if track is None:
        return False
    action = track.strips[0].action
    anim.nla_tracks.remove(track)
    bpy.data.actions.remove(action)
    lines.settle(obj, timing.scene_fps(scene.render.fps, scene.render.fps_base))
    return True


def fill_idle(scene: Any, obj: Any, clip: IdleResult, start_frame: int, mapping: Mapping | None = None,
              seed: int = 0) -> str:
    """Put `clip` (starting at `start_frame`) under the object's lines, replacing its idle track; returns
    the Action's name. Checked before anything is written."""
    target_mapping = resolve_mapping(obj, mapping)
    lines.check_editable(obj)
    weights = clip.weights
    if weights.ndim != 2 or weights.shape[0] == 0 or weights.shape[1] != len(clip.channels):
        raise ApplyError(f"backend returned an idle clip of shape {weights.shape}")
    fps = timing.scene_fps(scene.render.fps, scene.render.fps_base)
    span = (weights.shape[0] - 1) / clip.fps
    n = timing.frame_count(span, fps)
    curves = target_curves(timing.resample(weights, clip.fps, fps, n_frames=n), clip.channels, target_mapping,
                           fps)
    key = obj.data.shape_keys
    remove_idle(scene, obj)
    name = writer_name(obj)
    written = writer.write_key_action(key, name, timing.key_frames(start_frame, n), curves)
    written.action[lines.IDLE_TAG] = obj.name
    written.action[IDLE_SEED_TAG] = int(seed)
    anim = key.animation_data or key.animation_data_create()
    writer.adopt_active_line(anim)
    # the idle track must be the lowest of ours: our line tracks are made again above it, in order
    above = [(t.name, t.strips[0].action, getattr(t.strips[0], "action_slot", None))
             for t in writer.line_tracks(anim)]
    for t in writer.line_tracks(anim):
        anim.nla_tracks.remove(t)
    track = anim.nla_tracks.new()
    track.name = name
    strip = track.strips.new(name, int(start_frame), written.action)
    if written.slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = written.slot
    for track_name, action, slot in above:
        t = anim.nla_tracks.new()
        t.name = track_name
        s = t.strips.new(action.name, int(action.frame_range[0]), action)
        if slot is not None and hasattr(s, "action_slot"):
            s.action_slot = slot
    lines.settle(obj, fps)
    return str(written.action.name)


def writer_name(obj: Any) -> str:
    from ..core.naming import unique_name
    return unique_name(f"UniTAF idle: {obj.name}"[:59], {a.name for a in bpy.data.actions})
