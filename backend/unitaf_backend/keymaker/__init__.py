"""Shape keys for any head: fit the reference head to a mesh and carry its 52 ARKit keys onto it
(docs/keymaker.md). Pure numpy/scipy; no Blender."""

from .make import MAX_VERTICES, HeadFit, MadeKeys, find_landmarks, fit_head, landmark_names, make_shape_keys

__all__ = ["MAX_VERTICES", "HeadFit", "MadeKeys", "find_landmarks", "fit_head", "landmark_names", "make_shape_keys"]
