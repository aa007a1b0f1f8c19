"""The reference head: a CC0 human head (MakeHuman hm08 + Face Units) with the 52 ARKit offsets.

The asset is built by tools/build_head.py into data/head/reference_head.npz (format: docs/head.md).
Coordinates are Blender's: metres, Z up, the face looking along -Y, the origin at the neck cut.
A pose is linear in the weights: vertices(w) = basis + w @ offsets.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..channels import ARKIT_CHANNELS
from ..errors import BadInput, NotInstalled

HEAD_DIR = Path(__file__).resolve().parents[1] / "data" / "head"
HEAD_PATH = HEAD_DIR / "reference_head.npz"
FORMAT_VERSION = 1
UP_AXIS = 2  # Z


@dataclass(frozen=True)
class ReferenceHead:
    channels: tuple[str, ...]        # the 52 ARKit names, Apple's order
    basis: np.ndarray                # float32 [V, 3] neutral vertices
    offsets: np.ndarray              # float32 [52, V, 3] per-key vertex offsets at weight 1
    faces: np.ndarray                # int32 [F, 4] vertex indices; triangles end with -1
    uvs: np.ndarray                  # float32 [U, 2]
    face_uvs: np.ndarray             # int32 [F, 4] indices into uvs; -1 where faces has -1
    parts: tuple[str, ...]           # skin, tongue, teeth_upper, teeth_lower, eyeball_left, eyeball_right, lashes, brows
    vertex_part: np.ndarray          # uint8 [V] index into parts
    materials: tuple[str, ...]       # skin, tongue, teeth, eye, hair (brows and lashes)
    face_material: np.ndarray        # uint8 [F] index into materials
    mirror: np.ndarray               # int32 [V] the vertex's left/right twin (x -> -x)
    regions: dict[str, np.ndarray]   # bool [V] masks: mouth, lips_upper, chin, eye_area_left, ...
    upper_lip: np.ndarray            # int32 [n] central upper-lip vertices (mouth opening, loss)
    lower_lip: np.ndarray            # int32 [m] central lower-lip vertices
    mouth_corners: np.ndarray        # int32 [2] left (+x) and right mouth corner
    eye_centres: np.ndarray          # float32 [2, 3] left, right eyeball centre
    eye_radius: float
    lips_weight: np.ndarray          # float32 [V] in [0, 1], from the MakeHuman lips mask
    mouth_inside_weight: np.ndarray  # float32 [V] in [0, 1], from the MakeHuman inside-mouth mask
    up_axis: int = field(default=UP_AXIS)

    @property
    def vertex_count(self) -> int:
        return int(self.basis.shape[0])

    @property
    def mouth_mask(self) -> np.ndarray:
        """bool [V]: the lips and the skin around them (the mouth vertices of the UniTAF loss)."""
        return self.regions["mouth"]

    def part_mask(self, part: str) -> np.ndarray:
        return self.vertex_part == self.parts.index(part)

    def vertices(self, weights: np.ndarray) -> np.ndarray:
        """[T, 52] (or [52]) ARKit weights -> [T, V, 3] (or [V, 3]) vertex positions."""
        w = np.asarray(weights, dtype=np.float32)
        if w.shape[-1] != len(self.channels) or w.ndim not in (1, 2):
            raise BadInput(f"weights must be [T, 52] or [52], got shape {w.shape}")
        flat = w.reshape(-1, len(self.channels)) @ self.offsets.reshape(len(self.channels), -1)
        out = self.basis[None] + flat.reshape(-1, *self.basis.shape)
        return out[0] if w.ndim == 1 else out

    def lip_gap(self, vertices: np.ndarray) -> np.ndarray:
        """Vertical clearance between the lips, [..., V, 3] -> [...] metres: the lowest point of the
        central upper lip minus the highest point of the central lower lip (<= 0: the lips touch)."""
        v = np.asarray(vertices)
        return v[..., self.upper_lip, self.up_axis].min(-1) - v[..., self.lower_lip, self.up_axis].max(-1)

    def mouth_width(self) -> float:
        """Corner-to-corner width of the neutral mouth in metres."""
        a, b = self.mouth_corners
        return float(np.linalg.norm(self.basis[a] - self.basis[b]))


def _read(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise NotInstalled(f"reference head asset not found at {path} (build it: python tools/build_head.py)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise BadInput(f"reference head asset {path} is unreadable: {err}") from err


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def head_from_arrays(arrays: dict[str, np.ndarray]) -> ReferenceHead:
    """A ReferenceHead from the arrays of the .npz (see docs/head.md)."""
    try:
        version = int(arrays["format_version"])
        if version != FORMAT_VERSION:
            raise BadInput(f"reference head format {version} is not supported (expected {FORMAT_VERSION})")
        channels = tuple(str(c) for c in arrays["channels"])
        if channels != ARKIT_CHANNELS:
            raise BadInput("reference head channels are not the 52 ARKit names in Apple's order")
        basis = arrays["basis"].astype(np.float32)
        offsets = np.zeros((len(channels), *basis.shape), dtype=np.float32)
        offsets[arrays["offset_key"], arrays["offset_vertex"]] = arrays["offset_delta"]
        regions = {str(n): _frozen(m.astype(bool)) for n, m in zip(arrays["region_names"], arrays["region_masks"])}
        return ReferenceHead(
            channels=channels,
            basis=_frozen(basis),
            offsets=_frozen(offsets),
            faces=_frozen(arrays["faces"].astype(np.int32)),
            uvs=_frozen(arrays["uvs"].astype(np.float32)),
            face_uvs=_frozen(arrays["face_uvs"].astype(np.int32)),
            parts=tuple(str(p) for p in arrays["parts"]),
            vertex_part=_frozen(arrays["vertex_part"]),
            materials=tuple(str(m) for m in arrays["materials"]),
            face_material=_frozen(arrays["face_material"]),
            mirror=_frozen(arrays["mirror"].astype(np.int32)),
            regions=regions,
            upper_lip=_frozen(arrays["upper_lip"].astype(np.int32)),
            lower_lip=_frozen(arrays["lower_lip"].astype(np.int32)),
            mouth_corners=_frozen(arrays["mouth_corners"].astype(np.int32)),
            eye_centres=_frozen(arrays["eye_centres"].astype(np.float32)),
            eye_radius=float(arrays["eye_radius"]),
            lips_weight=_frozen(arrays["lips_weight"].astype(np.float32) / 255.0),
            mouth_inside_weight=_frozen(arrays["mouth_inside_weight"].astype(np.float32) / 255.0),
        )
    except KeyError as err:
        raise BadInput(f"reference head asset lacks the array {err}") from err


@lru_cache(maxsize=4)
def load_reference_head(path: Path | None = None) -> ReferenceHead:
    """The reference head (cached; its arrays are read-only)."""
    return head_from_arrays(_read(Path(path) if path is not None else HEAD_PATH))
