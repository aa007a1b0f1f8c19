"""ARKit-52 weights -> the values of a rig's own targets, whatever their convention.

A mapping says, per target key, which source drives it: an ARKit channel, an unsided name (`mouthSmile`),
a viseme of a set (`oculus.PP`) or a VRM expression (`vrm.blink`). Visemes of one set are solved together
(only those the rig has, so the mix is the best the rig can show); a set's rest viseme (`sil`, `X`, `rest`)
takes what the others leave. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..channels import ARKIT_CHANNELS
from . import expressions, features, solver, visemes

Mapping = dict[str, str]   # target key -> source

# Vowel sources of earlier presets, read as the VRM set.
LEGACY_SOURCES = {"viseme_aa": "vrm.aa", "viseme_ih": "vrm.ih", "viseme_ou": "vrm.ou", "viseme_ee": "vrm.ee",
                  "viseme_oh": "vrm.oh"}

SOURCES: tuple[str, ...] = (ARKIT_CHANNELS + tuple(expressions.UNSIDED) + (expressions.MOUTH_OPEN,)
                            + visemes.VISEME_SOURCES
                            + expressions.VRM_SOURCES)
_KNOWN = frozenset(SOURCES)


def canonical_source(source: str) -> str:
    return LEGACY_SOURCES.get(source, source)


def is_source(source: str) -> bool:
    return canonical_source(source) in _KNOWN


def viseme_weights(weights: np.ndarray, channels: Sequence[str], vset: visemes.VisemeSet,
                   wanted: Sequence[str], fps: float) -> dict[str, np.ndarray]:
    """viseme -> [T] weights for the visemes of `vset` a rig has (`wanted`).

    A set without a closed-lips viseme (VRM's vowels) closes the mouth by resting: the solver still gets
    the closed-lips signature as a hidden column, so a closure is explained as rest and not as a vowel."""
    solved = [v for v in wanted if vset.signatures[v] is not None]
    rests = [v for v in wanted if vset.signatures[v] is None]
    x = features.mouth_features(weights, channels, fps)
    columns = [vset.signatures[v] or {} for v in solved]
    if vset.closed is None:
        columns.append(visemes.CLOSED)
    sig = np.stack([features.signature_vector(c) for c in columns])
    w = solver.solve_viseme_weights(x, sig, features.FEATURE_WEIGHTS, fps)[:, :len(solved)]
    out = {v: w[:, i] for i, v in enumerate(solved)}
    rest = np.clip(1.0 - w.sum(axis=1), 0.0, 1.0)
    out.update({v: rest for v in rests})
    return out


def retarget_curves(weights: np.ndarray, channels: Sequence[str], mapping: Mapping, fps: float = 30.0,
                    emotion: object = None) -> dict[str, np.ndarray]:
    """target key -> [T] float32 values in [0, 1], in the mapping's order. `emotion` is the line's
    (`happy:0.8`, a mix, or 8 numbers); it drives the VRM emotion presets."""
    w = np.asarray(weights, dtype=np.float32)
    sources = {t: canonical_source(s) for t, s in mapping.items()}
    unknown = sorted({s for s in sources.values() if s not in _KNOWN})
    if unknown:
        raise ValueError(f"unknown source channel(s): {', '.join(unknown)}")
    by_set: dict[str, list[str]] = {}
    for s in sources.values():
        found = visemes.viseme_of_source(s)
        if found is not None and found[1] not in by_set.setdefault(found[0].name, []):
            by_set[found[0].name].append(found[1])
    solved = {name: viseme_weights(w, channels, visemes.SET_BY_NAME[name], wanted, fps)
              for name, wanted in by_set.items()}
    line_emotion = expressions.parse_emotion(emotion)
    split_blinks = {"vrm.blinkLeft", "vrm.blinkRight"} <= set(sources.values())
    out: dict[str, np.ndarray] = {}
    for target, source in sources.items():
        found = visemes.viseme_of_source(source)
        if found is not None:
            values = solved[found[0].name][found[1]]
        elif source in expressions.UNSIDED or source == expressions.MOUTH_OPEN:
            values = expressions.unsided_values(w, channels, source)
        elif source.startswith("vrm."):
            values = expressions.vrm_expression_values(w, channels, source[4:], line_emotion, split_blinks)
        else:
            values = features.column(w, channels, source)
        out[target] = np.clip(values, 0.0, 1.0).astype(np.float32)
    return out
