"""Retargeting: the backend's ARKit-52 motion onto a rig's own controls (viseme sets, VRM expressions,
unsided keys). One table per convention (`visemes`, `expressions`) and a solver (`solver`); `curves`
composes them. Pure Python + numpy, no bpy."""

from .curves import SOURCES, Mapping, canonical_source, is_source, retarget_curves, viseme_weights
from .visemes import SET_BY_NAME, VISEME_SETS, VisemeSet

__all__ = ["SET_BY_NAME", "SOURCES", "VISEME_SETS", "Mapping", "VisemeSet", "canonical_source", "is_source",
           "retarget_curves", "viseme_weights"]
