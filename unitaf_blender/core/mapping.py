"""Which shape key on the character each ARKit channel drives, across naming conventions.

A mapping is a dict `target shape-key name -> source channel`. Keyed by the target because one channel
may drive several keys (Character Creator splits `cheekPuff` into `Cheek_Puff_L` and `Cheek_Puff_R`).
A source channel is one of the 52 ARKit names or one of the five VRM/VRoid vowel visemes
(`viseme_aa` ...), which are computed from the ARKit mouth channels (see `source_values`).

Matching, in order of trust: the exact ARKit name; the same words in another case or separator style,
with the side as `Left`/`Right`/`_L`/`_R`/`.L` anywhere at the start or end (`EyeBlink_L`,
`eye_blink_left`, `Left_eyeBlink`); Character Creator's names (`Mouth_Smile_L`, `Eye_L_Look_Down`,
`Brow_Raise_Inner_L` ...); and finally the same after a prefix (`blendShape1.jawOpen`, `ARKit_jawOpen`).
VRM/VRoid visemes (`A I U E O`, `Fcl_MTH_A`, `vrc.v_aa`, `aa ih ou ee oh`) are used only when the
mesh has no jawOpen of its own. Pure logic: no bpy.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .channels import ARKIT_CHANNELS, CHANNEL_INDEX

VISEME_CHANNELS: tuple[str, ...] = ("viseme_aa", "viseme_ih", "viseme_ou", "viseme_ee", "viseme_oh")
SOURCE_CHANNELS: tuple[str, ...] = ARKIT_CHANNELS + VISEME_CHANNELS
PRESET_FORMAT = "unitaf-shape-key-mapping"
PRESET_VERSION = 1

Mapping = dict[str, str]    # target shape-key name -> source channel


class MappingError(ValueError):
    """The target cannot be animated with this mapping (no usable shape keys, bad preset...)."""


# ---------------------------------------------------------------------------------------------- names

_SIDE_WORDS = {"l": "L", "left": "L", "r": "R", "right": "R"}


def squash(name: str) -> str:
    """Lower case without separators: 'Mouth_Smile_L' -> 'mouthsmilel'."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def words(name: str) -> list[str]:
    """Split on separators and camelCase: 'eyeBlink_L' -> ['eye', 'blink', 'l']."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w.lower() for w in re.split(r"[^0-9A-Za-z]+", spaced) if w]


def sided_key(name: str) -> tuple[tuple[str, ...], str] | None:
    """Words without the side, and the side ('L', 'R' or ''), if the side is a single word at either end."""
    ws = words(name)
    sides = [i for i, w in enumerate(ws) if w in _SIDE_WORDS]
    if not sides:
        return tuple(ws), ""
    if len(sides) > 1 or sides[0] not in (0, len(ws) - 1) or len(ws) == 1:
        return None
    side = _SIDE_WORDS[ws[sides[0]]]
    rest = tuple(w for i, w in enumerate(ws) if i != sides[0])
    return rest, side


def _mirror(arkit: str, cc_left: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Character Creator names for a Left channel and its Right twin (`_L` <-> `_R`, `Eye_L` <-> `Eye_R`)."""
    right = arkit[: -len("Left")] + "Right"
    swap = {"_L": "_R", "_R": "_L"}

    def mirrored(cc: str) -> str:
        return re.sub(r"_(L|R)(?=_|$)", lambda m: swap[m.group(0)], cc)

    return {arkit: tuple(cc_left), right: tuple(mirrored(c) for c in cc_left)}


# Character Creator 3/4 (standard and extended/ARKit-style facial profiles). Eye look names are per eye
# and per direction: the left eye looking "in" (towards the nose) looks to the character's right.
CHARACTER_CREATOR: dict[str, tuple[str, ...]] = {
    **_mirror("eyeBlinkLeft", ["Eye_Blink_L"]),
    **_mirror("eyeLookDownLeft", ["Eye_L_Look_Down"]),
    **_mirror("eyeLookInLeft", ["Eye_L_Look_R"]),
    **_mirror("eyeLookOutLeft", ["Eye_L_Look_L"]),
    **_mirror("eyeLookUpLeft", ["Eye_L_Look_Up"]),
    **_mirror("eyeSquintLeft", ["Eye_Squint_L"]),
    **_mirror("eyeWideLeft", ["Eye_Wide_L"]),
    "jawForward": ("Jaw_Forward",),
    "jawLeft": ("Jaw_L",),
    "jawRight": ("Jaw_R",),
    "jawOpen": ("Jaw_Open",),
    "mouthClose": ("Mouth_Close",),
    "mouthFunnel": ("Mouth_Funnel", "Mouth_Funnel_Up_L", "Mouth_Funnel_Up_R",
                    "Mouth_Funnel_Down_L", "Mouth_Funnel_Down_R"),
    "mouthPucker": ("Mouth_Pucker", "Mouth_Pucker_Up_L", "Mouth_Pucker_Up_R",
                    "Mouth_Pucker_Down_L", "Mouth_Pucker_Down_R"),
    "mouthLeft": ("Mouth_L",),
    "mouthRight": ("Mouth_R",),
    **_mirror("mouthSmileLeft", ["Mouth_Smile_L"]),
    **_mirror("mouthFrownLeft", ["Mouth_Frown_L"]),
    **_mirror("mouthDimpleLeft", ["Mouth_Dimple_L"]),
    **_mirror("mouthStretchLeft", ["Mouth_Stretch_L"]),
    "mouthRollLower": ("Mouth_Roll_In_Lower", "Mouth_Roll_In_Lower_L", "Mouth_Roll_In_Lower_R"),
    "mouthRollUpper": ("Mouth_Roll_In_Upper", "Mouth_Roll_In_Upper_L", "Mouth_Roll_In_Upper_R"),
    "mouthShrugLower": ("Mouth_Shrug_Lower",),
    "mouthShrugUpper": ("Mouth_Shrug_Upper",),
    **_mirror("mouthPressLeft", ["Mouth_Press_L"]),
    **_mirror("mouthLowerDownLeft", ["Mouth_Down_Lower_L", "Mouth_Lower_Down_L"]),
    **_mirror("mouthUpperUpLeft", ["Mouth_Up_Upper_L", "Mouth_Upper_Up_L"]),
    **_mirror("browDownLeft", ["Brow_Drop_L"]),
    "browInnerUp": ("Brow_Raise_Inner", "Brow_Raise_Inner_L", "Brow_Raise_Inner_R"),
    **_mirror("browOuterUpLeft", ["Brow_Raise_Outer_L"]),
    "cheekPuff": ("Cheek_Puff", "Cheek_Puff_L", "Cheek_Puff_R"),
    **_mirror("cheekSquintLeft", ["Cheek_Raise_L"]),
    **_mirror("noseSneerLeft", ["Nose_Sneer_L"]),
    "tongueOut": ("Tongue_Out",),
}

# VRM 0.x (A I U E O), VRoid (Fcl_MTH_A ...), VRChat (vrc.v_aa ...), VRM 1.0 (aa ih ou ee oh).
VISEME_NAMES: dict[str, tuple[str, ...]] = {
    "viseme_aa": ("A", "Fcl_MTH_A", "vrc.v_aa", "aa", "v_aa", "MTH_A"),
    "viseme_ih": ("I", "Fcl_MTH_I", "vrc.v_ih", "ih", "v_ih", "MTH_I"),
    "viseme_ou": ("U", "Fcl_MTH_U", "vrc.v_ou", "ou", "v_ou", "MTH_U"),
    "viseme_ee": ("E", "Fcl_MTH_E", "vrc.v_e", "ee", "v_e", "MTH_E"),
    "viseme_oh": ("O", "Fcl_MTH_O", "vrc.v_oh", "oh", "v_oh", "MTH_O"),
}

_BY_SIDED = {sided_key(n): n for n in ARKIT_CHANNELS}
_BY_CC = {squash(cc): arkit for arkit, names in CHARACTER_CREATOR.items() for cc in names}
_BY_VISEME = {squash(v): vis for vis, names in VISEME_NAMES.items() for v in names}


def match_channel(target: str) -> tuple[str, str] | None:
    """(source channel, how) for one shape-key name, or None. `how` is 'exact', 'variant',
    'character_creator', 'prefixed' or 'viseme'."""
    if target in CHANNEL_INDEX:
        return target, "exact"
    sided = sided_key(target)
    if sided in _BY_SIDED:
        return _BY_SIDED[sided], "variant"
    if squash(target) in _BY_CC:
        return _BY_CC[squash(target)], "character_creator"
    if squash(target) in _BY_VISEME:
        return _BY_VISEME[squash(target)], "viseme"
    # A prefix before the name: 'blendShape1.jawOpen', 'ARKit_jawOpen', 'CC_Base_Jaw_Open'.
    ws = words(target)
    for start in range(1, len(ws)):
        tail = "_".join(ws[start:])
        found = match_channel(tail) if start < len(ws) else None
        if found is not None and found[1] != "viseme":
            return found[0], "prefixed"
    return None


@dataclass(frozen=True)
class MappingReport:
    mapping: Mapping                       # target shape key -> source channel
    how: dict[str, str]                    # target shape key -> how it matched
    unmatched_channels: tuple[str, ...]    # ARKit channels that drive nothing
    unused_targets: tuple[str, ...]        # shape keys left alone

    @property
    def usable(self) -> bool:
        return bool(self.mapping)

    def summary(self) -> str:
        return (f"{len(self.mapping)} shape keys driven, {len(self.unmatched_channels)} ARKit channels "
                f"without a shape key, {len(self.unused_targets)} shape keys left alone")


# Variants and Character Creator names are one level: CC meshes mix both (`Jaw_Open`, `Mouth_Funnel_Up_L`).
_TRUST = {"exact": 0, "variant": 1, "character_creator": 1, "prefixed": 2, "viseme": 3}


def auto_map(target_names: Iterable[str]) -> MappingReport:
    """Map a mesh's shape keys (without its reference/Basis key) to source channels."""
    targets = list(dict.fromkeys(target_names))
    found: dict[str, tuple[str, str]] = {}
    for t in targets:
        m = match_channel(t)
        if m is not None:
            found[t] = m
    # Two keys for the same channel under different conventions ('jawOpen' and 'Jaw_Open'): keep only the
    # most trusted kind, so one channel is not written twice over by accident. Split keys (Cheek_Puff_L/R)
    # have the same kind and are all kept.
    best: dict[str, int] = {}
    for src, how in found.values():
        best[src] = min(best.get(src, 99), _TRUST[how])
    mapping = {t: src for t, (src, how) in found.items() if _TRUST[how] == best[src]}
    how_by_target = {t: found[t][1] for t in mapping}
    # Visemes only for a mesh without a jaw of its own: otherwise the mouth would be driven twice.
    if "jawOpen" in mapping.values():
        for t in [t for t, s in mapping.items() if s in VISEME_CHANNELS]:
            del mapping[t], how_by_target[t]
    driven = set(mapping.values())
    return MappingReport(
        mapping=mapping,
        how=how_by_target,
        unmatched_channels=tuple(c for c in ARKIT_CHANNELS if c not in driven),
        unused_targets=tuple(t for t in targets if t not in mapping),
    )


def check_mapping(mapping: Mapping, target_names: Iterable[str]) -> Mapping:
    """The usable part of a (user-edited or loaded) mapping for this mesh; raises MappingError if none."""
    names = set(target_names)
    for target, source in mapping.items():
        if source not in SOURCE_CHANNELS:
            raise MappingError(f"shape key {target!r} is mapped to {source!r}, which is not an ARKit channel "
                               "or a viseme")
    usable = {t: s for t, s in mapping.items() if t in names}
    if not usable:
        raise MappingError("none of the mapped shape keys exist on this mesh")
    return usable


# --------------------------------------------------------------------------------------------- values

def _column(weights: np.ndarray, channels: Sequence[str], name: str) -> np.ndarray:
    try:
        return weights[:, list(channels).index(name)]
    except ValueError:
        return np.zeros(weights.shape[0], dtype=np.float32)


def source_values(weights: np.ndarray, channels: Sequence[str], source: str) -> np.ndarray:
    """The [T] curve of one source channel: an ARKit column, or a viseme computed from the mouth channels.

    Visemes: `open` = jawOpen - mouthClose (lips apart), `round` = max(funnel, pucker), `wide` = spread
    lips (stretch or smile). A = open and not round, O = funnel while open, U = pucker while nearly
    closed, I = wide while nearly closed, E = wide while half open.
    """
    if source in ARKIT_CHANNELS:
        return np.clip(_column(weights, channels, source), 0.0, 1.0).astype(np.float32)
    if source not in VISEME_CHANNELS:
        raise MappingError(f"unknown source channel {source!r}")

    def col(name: str) -> np.ndarray:
        return _column(weights, channels, name).astype(np.float32)

    opened = np.clip(col("jawOpen") - col("mouthClose"), 0.0, 1.0)
    funnel, pucker = col("mouthFunnel"), col("mouthPucker")
    rounded = np.maximum(funnel, pucker)
    wide = np.maximum((col("mouthStretchLeft") + col("mouthStretchRight")) / 2,
                      (col("mouthSmileLeft") + col("mouthSmileRight")) / 2)
    half_open = np.minimum(1.0, 2.0 * opened)
    values = {
        "viseme_aa": opened * (1.0 - rounded) * (1.0 - 0.5 * wide),
        "viseme_oh": funnel * half_open,
        "viseme_ou": pucker * (1.0 - half_open),
        "viseme_ih": wide * (1.0 - half_open) * (1.0 - rounded),
        "viseme_ee": wide * half_open * (1.0 - rounded),
    }[source]
    return np.clip(values, 0.0, 1.0).astype(np.float32)


def target_curves(weights: np.ndarray, channels: Sequence[str], mapping: Mapping) -> dict[str, np.ndarray]:
    """target shape key -> [T] values in [0, 1], in the mapping's order."""
    w = np.asarray(weights, dtype=np.float32)
    return {target: source_values(w, channels, source) for target, source in mapping.items()}


# -------------------------------------------------------------------------------------------- presets

def preset_to_json(mapping: Mapping) -> str:
    return json.dumps({"format": PRESET_FORMAT, "version": PRESET_VERSION, "mapping": dict(mapping)},
                      indent=2, sort_keys=True)


def preset_from_json(text: str) -> Mapping:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MappingError(f"mapping preset is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != PRESET_FORMAT:
        raise MappingError("not a UniTAF shape-key mapping preset")
    if data.get("version") != PRESET_VERSION:
        raise MappingError(f"mapping preset version {data.get('version')!r} is not supported")
    raw = data.get("mapping")
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise MappingError("mapping preset must map shape-key names to channel names")
    bad = sorted(v for v in raw.values() if v not in SOURCE_CHANNELS)
    if bad:
        raise MappingError(f"mapping preset names unknown channels: {', '.join(bad)}")
    return dict(raw)


def save_preset(path: str, mapping: Mapping) -> None:
    """Write a preset; never replaces an existing file (the caller picks a new name)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "x", encoding="utf-8") as f:
        f.write(preset_to_json(mapping))


def load_preset(path: str) -> Mapping:
    try:
        with open(path, encoding="utf-8") as f:
            return preset_from_json(f.read())
    except OSError as exc:
        raise MappingError(f"cannot read mapping preset {path}: {exc.strerror}") from None
