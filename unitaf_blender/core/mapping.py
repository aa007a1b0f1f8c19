"""Which shape key on the character each ARKit channel drives, across naming conventions.

A mapping is a dict `target shape-key name -> source channel`. Keyed by the target because one channel
may drive several keys (Character Creator splits `cheekPuff` into `Cheek_Puff_L` and `Cheek_Puff_R`).
A source is one of the 52 ARKit names, an unsided name (`mouthSmile`), a viseme of a set (`oculus.PP`,
`vrm.aa`, `cc4.V_Open` ...) or a VRM expression (`vrm.blink`, `vrm.happy`); their values come from the
retargeting stage (`core/retarget`).

Matching, in order of trust: the exact ARKit name; the same words in another case or separator style,
with the side as `Left`/`Right`/`_L`/`_R`/`.L` anywhere at the start or end (`EyeBlink_L`,
`eye_blink_left`, `Left_eyeBlink`); Character Creator's names (`Mouth_Smile_L`, `Eye_L_Look_Down`,
`Brow_Raise_Inner_L` ...); and finally the same after a prefix (`blendShape1.jawOpen`, `ARKit_jawOpen`).
Which convention a rig follows (ARKit, a viseme set, VRM expressions, unsided keys) is detected from its
key names (`detect_convention`) and can be forced; viseme sets are used only when the mesh has no
jawOpen of its own. Pure logic: no bpy.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .channels import ARKIT_CHANNELS, CHANNEL_INDEX
from .retarget import curves as retarget_curves_lib
from .retarget import expressions, visemes

VISEME_CHANNELS: tuple[str, ...] = tuple(retarget_curves_lib.LEGACY_SOURCES)   # read as VRM vowels
SOURCE_CHANNELS: tuple[str, ...] = retarget_curves_lib.SOURCES
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

_BY_SIDED = {sided_key(n): n for n in ARKIT_CHANNELS}
_BY_CC = {squash(cc): arkit for arkit, names in CHARACTER_CREATOR.items() for cc in names}


def match_channel(target: str) -> tuple[str, str] | None:
    """(ARKit channel, how) for one shape-key name, or None. `how` is 'exact', 'variant',
    'character_creator' or 'prefixed'. Viseme sets, VRM expressions and unsided names: see `auto_map`."""
    if target in CHANNEL_INDEX:
        return target, "exact"
    sided = sided_key(target)
    if sided in _BY_SIDED:
        return _BY_SIDED[sided], "variant"
    if squash(target) in _BY_CC:
        return _BY_CC[squash(target)], "character_creator"
    # A prefix before the name: 'blendShape1.jawOpen', 'ARKit_jawOpen', 'CC_Base_Jaw_Open'.
    ws = words(target)
    for start in range(1, len(ws)):
        tail = "_".join(ws[start:])
        found = match_channel(tail) if start < len(ws) else None
        if found is not None:
            return found[0], "prefixed"
    return None


# Conventions a rig can follow; AUTO = detect from the key names.
CONVENTIONS: dict[str, str] = {
    "AUTO": "Detect from the key names",
    "ARKIT": "ARKit 52 blendshapes",
    "OCULUS": "Oculus / Ready Player Me visemes",
    "VRM0": "VRM 0.x / VRoid",
    "VRM1": "VRM 1.0 expressions",
    "CC4": "Character Creator 4 visemes",
    "CC3": "Character Creator 3 visemes",
    "RHUBARB": "Rhubarb mouth shapes",
    "PRESTON_BLAIR": "Preston Blair mouth shapes",
    "UNSIDED": "Unsided keys (mouthSmile, eyeBlink, MouthOpen)",
}
_SET_OF_CONVENTION = {"OCULUS": visemes.OCULUS, "VRM0": visemes.VRM, "VRM1": visemes.VRM, "CC4": visemes.CC4,
                      "CC3": visemes.CC3, "RHUBARB": visemes.RHUBARB, "PRESTON_BLAIR": visemes.PRESTON_BLAIR}
_VRM1_NAMES = frozenset(("aa", "ih", "ou", "ee", "oh", *expressions.VRM_EXPRESSIONS))

# ARKit channels of the mouth and jaw: a viseme set stands for these, so they are not driven beside it.
MOUTH_CHANNELS = frozenset(c for c in ARKIT_CHANNELS if c.startswith(("mouth", "jaw", "tongue", "cheekPuff")))

# Unsided names beside the ARKit pairs (`mouthSmile`): common single keys of hand-made heads.
UNSIDED_ALIASES: dict[str, str] = {"mouthopen": "mouthOpen", "blink": "eyeBlink", "eyesclosed": "eyeBlink",
                                   "eyeclose": "eyeBlink", "smile": "mouthSmile", "frown": "mouthFrown"}
_BY_UNSIDED = {sided_key(u): u for u in expressions.UNSIDED}


def _name_key(name: str) -> str:
    """How a set's key names compare: exactly for one or two letters ('A', 'E', 'AI'), else squashed."""
    return name if len(name) <= 2 else squash(name)


_SET_KEYS: dict[str, dict[str, str]] = {
    vs.name: {_name_key(n): v for v, names in vs.names.items() for n in names} for vs in visemes.VISEME_SETS}
_VRM_EXPRESSION_KEYS = {squash(n): e for e, names in expressions.VRM_EXPRESSION_NAMES.items() for n in names}


def match_viseme(target: str, vset: visemes.VisemeSet) -> str | None:
    """The viseme of `vset` a key name stands for, or None."""
    return _SET_KEYS[vset.name].get(_name_key(target))


def match_unsided(target: str) -> str | None:
    """An unsided source ('mouthSmile', 'eyeBlink') or 'jawOpen' for a key without a side, or None."""
    alias = UNSIDED_ALIASES.get(squash(target))
    if alias is not None:
        return alias
    sided = sided_key(target)
    return _BY_UNSIDED.get(sided) if sided is not None and sided[1] == "" else None


def match_vrm_expression(target: str) -> str | None:
    expression = _VRM_EXPRESSION_KEYS.get(squash(target))
    return None if expression is None else f"vrm.{expression}"


@dataclass(frozen=True)
class MappingReport:
    mapping: Mapping                       # target shape key -> source
    how: dict[str, str]                    # target shape key -> how it matched
    unmatched_channels: tuple[str, ...]    # ARKit channels that drive nothing
    unused_targets: tuple[str, ...]        # shape keys left alone
    convention: str = "ARKIT"              # a key of CONVENTIONS (never AUTO)
    missing: tuple[str, ...] = ()          # targets of the convention this rig lacks (visemes, expressions)
    warnings: tuple[str, ...] = ()         # what will look wrong, and why

    @property
    def usable(self) -> bool:
        return bool(self.mapping)

    def summary(self) -> str:
        text = (f"{len(self.mapping)} shape keys driven, {len(self.unmatched_channels)} ARKit channels "
                f"without a shape key, {len(self.unused_targets)} shape keys left alone")
        if self.convention != "ARKIT":
            text = f"{CONVENTIONS[self.convention]}: " + text
            if self.missing:
                text += f"; the rig lacks {', '.join(self.missing)}"
        return text


# Variants and Character Creator names are one level: CC meshes mix both (`Jaw_Open`, `Mouth_Funnel_Up_L`).
_TRUST = {"exact": 0, "variant": 1, "character_creator": 1, "prefixed": 2}


def _arkit_matches(targets: Sequence[str]) -> dict[str, tuple[str, str]]:
    """target -> (ARKit channel, how), keeping for each channel only its most trusted kind of match."""
    found = {t: m for t in targets if (m := match_channel(t)) is not None}
    # Two keys for the same channel under different conventions ('jawOpen' and 'Jaw_Open'): keep only the
    # most trusted kind, so one channel is not written twice over by accident. Split keys (Cheek_Puff_L/R)
    # have the same kind and are all kept.
    best: dict[str, int] = {}
    for src, how in found.values():
        best[src] = min(best.get(src, 99), _TRUST[how])
    return {t: (src, how) for t, (src, how) in found.items() if _TRUST[how] == best[src]}


def _set_score(targets: Sequence[str], vset: visemes.VisemeSet) -> int:
    """How many distinct visemes of `vset` the rig has (0 when its names are only ones another set owns)."""
    hits = {match_viseme(t, vset) for t in targets} - {None}
    if vset is visemes.RHUBARB and not hits - {"A", "E"}:
        return 0                  # only A and E: those are VRM 0.x vowels
    if vset is visemes.PRESTON_BLAIR and not hits - {"E", "O", "U", "L"}:
        return 0                  # only single vowels: VRM's, not Preston Blair's own MBP, AI, FV, WQ ...
    return len(hits)


def detect_convention(target_names: Iterable[str]) -> str:
    """The convention a rig's key names follow (a key of CONVENTIONS other than AUTO)."""
    targets = list(dict.fromkeys(target_names))
    arkit = {src for src, _ in _arkit_matches(targets).values()}
    if "jawOpen" in arkit:
        return "ARKIT"
    scores = {name: _set_score(targets, vs) for name, vs in _SET_OF_CONVENTION.items() if name != "VRM1"}
    best = max(scores, key=lambda name: scores[name])     # ties: the order of CONVENTIONS
    if scores[best] >= 2:
        if best == "VRM0" and any(t in _VRM1_NAMES for t in targets):
            return "VRM1"
        return best
    if any(match_vrm_expression(t) for t in targets) and not arkit:
        return "VRM1" if any(t in _VRM1_NAMES for t in targets) else "VRM0"
    if arkit:
        return "ARKIT"
    if any(match_unsided(t) for t in targets):
        return "UNSIDED"
    return "ARKIT"


def auto_map(target_names: Iterable[str], convention: str = "AUTO") -> MappingReport:
    """Map a mesh's shape keys (without its reference/Basis key) to sources, for `convention` (or the
    detected one)."""
    targets = list(dict.fromkeys(target_names))
    if convention not in CONVENTIONS:
        raise MappingError(f"unknown rig convention {convention!r}; choose one of: {', '.join(CONVENTIONS)}")
    chosen = detect_convention(targets) if convention == "AUTO" else convention
    vset = _SET_OF_CONVENTION.get(chosen)
    mapping: Mapping = {}
    how: dict[str, str] = {}
    if vset is not None:
        for t in targets:
            viseme = match_viseme(t, vset)
            if viseme is not None:
                mapping[t], how[t] = vset.source(viseme), "viseme"
    if chosen in ("VRM0", "VRM1"):
        for t in targets:
            expression = match_vrm_expression(t)
            if t not in mapping and expression is not None:
                mapping[t], how[t] = expression, "vrm_expression"
    # ARKit-named keys: all of them for an ARKit rig; beside a viseme set, only those off the mouth.
    for t, (src, kind) in _arkit_matches(targets).items():
        if t not in mapping and (vset is None or src not in MOUTH_CHANNELS):
            mapping[t], how[t] = src, kind
    driven = set(mapping.values())
    for t in targets:
        unsided = match_unsided(t)
        if t in mapping or unsided is None or (vset is not None and unsided.startswith(("mouth", "jaw"))):
            continue
        pair = expressions.UNSIDED.get(unsided, (unsided,))
        if not driven & set(pair):           # a sided pair on the rig already carries it
            mapping[t], how[t] = unsided, "unsided"
    driven = set(mapping.values())
    missing: list[str] = []
    warnings: list[str] = []
    if vset is not None:
        missing += [vset.source(v) for v in vset.signatures if vset.source(v) not in driven]
        if vset.closed is not None and vset.source(vset.closed) not in driven and any(
                s.startswith(vset.name + ".") for s in driven):
            closed_names = " / ".join(vset.names[vset.closed][:2])
            warnings.append(f"the rig has no closed-lips viseme ({closed_names}): p, b and m will not close "
                            "the mouth; the other visemes are still driven")
    if chosen in ("VRM0", "VRM1"):
        missing += [s for s in expressions.VRM_SOURCES if s not in driven]
    covered = driven | {c for u in driven if u in expressions.UNSIDED for c in expressions.UNSIDED[u]}
    return MappingReport(
        mapping=mapping,
        how=how,
        unmatched_channels=tuple(c for c in ARKIT_CHANNELS if c not in covered
                                 and not (vset is not None and c in MOUTH_CHANNELS)),
        unused_targets=tuple(t for t in targets if t not in mapping),
        convention=chosen,
        missing=tuple(missing),
        warnings=tuple(warnings),
    )


def check_mapping(mapping: Mapping, target_names: Iterable[str]) -> Mapping:
    """The usable part of a (user-edited or loaded) mapping for this mesh; raises MappingError if none."""
    names = set(target_names)
    for target, source in mapping.items():
        if not retarget_curves_lib.is_source(source):
            raise MappingError(f"shape key {target!r} is mapped to {source!r}, which is not an ARKit channel, "
                               "a viseme or an expression")
    usable = {t: retarget_curves_lib.canonical_source(s) for t, s in mapping.items() if t in names}
    if not usable:
        raise MappingError("none of the mapped shape keys exist on this mesh")
    return usable


# --------------------------------------------------------------------------------------------- values

def source_values(weights: np.ndarray, channels: Sequence[str], source: str, fps: float = 30.0,
                  emotion: object = None) -> np.ndarray:
    """The [T] curve of one source (see `core/retarget`)."""
    if not retarget_curves_lib.is_source(source):
        raise MappingError(f"unknown source channel {source!r}")
    return retarget_curves_lib.retarget_curves(weights, channels, {"_": source}, fps, emotion)["_"]


def target_curves(weights: np.ndarray, channels: Sequence[str], mapping: Mapping, fps: float = 30.0,
                  emotion: object = None) -> dict[str, np.ndarray]:
    """target shape key -> [T] values in [0, 1], in the mapping's order; `emotion` is the line's."""
    try:
        return retarget_curves_lib.retarget_curves(weights, channels, mapping, fps, emotion)
    except ValueError as exc:
        raise MappingError(str(exc)) from None


# -------------------------------------------------------------------------------------------- presets

def preset_to_json(mapping: Mapping, convention: str = "AUTO") -> str:
    return json.dumps({"format": PRESET_FORMAT, "version": PRESET_VERSION, "mapping": dict(mapping),
                       "convention": convention}, indent=2, sort_keys=True)


def preset_convention(text: str) -> str:
    """The rig convention a preset was saved with ('AUTO' for presets without one)."""
    try:
        value = json.loads(text).get("convention", "AUTO")
    except (json.JSONDecodeError, AttributeError):
        return "AUTO"
    return value if value in CONVENTIONS else "AUTO"


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
    bad = sorted(v for v in raw.values() if not retarget_curves_lib.is_source(v))
    if bad:
        raise MappingError(f"mapping preset names unknown channels: {', '.join(bad)}")
    return {t: retarget_curves_lib.canonical_source(s) for t, s in raw.items()}


def save_preset(path: str, mapping: Mapping, convention: str = "AUTO") -> None:
    """Write a preset; never replaces an existing file (the caller picks a new name)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "x", encoding="utf-8") as f:
        f.write(preset_to_json(mapping, convention))


def load_preset(path: str) -> Mapping:
    try:
        with open(path, encoding="utf-8") as f:
            return preset_from_json(f.read())
    except OSError as exc:
        raise MappingError(f"cannot read mapping preset {path}: {exc.strerror}") from None
