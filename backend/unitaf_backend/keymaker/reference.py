"""The part of the reference head the key maker fits and transfers from: its skin, with landmarks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..head import ReferenceHead, load_reference_head
from .eyes import rotation_between
from .geometry import triangulate, vertex_normals

# The lids in front of the pupil: skin within LID_BAND eye radii of an eyeball's sphere, within
# LID_COLUMN radii of its centre sideways, more than LID_FRONT radii in front of its centre.
LID_BAND, LID_COLUMN, LID_FRONT = 0.3, 0.35, 0.6


@dataclass(frozen=True)
class ReferenceSkin:
    channels: tuple[str, ...]
    vertices: np.ndarray        # float64 [n, 3] neutral skin (metres, Blender frame)
    tris: np.ndarray            # int64 [t, 3]
    normals: np.ndarray         # [n, 3]
    offsets: np.ndarray         # float64 [52, n, 3]
    landmarks: dict[str, int]   # name -> skin vertex index
    upper_lip: np.ndarray       # central upper-lip vertices
    lower_lip: np.ndarray
    lid_upper: tuple[np.ndarray, np.ndarray]    # left, right upper lid margin vertices
    lid_lower: tuple[np.ndarray, np.ndarray]
    lid_zones: tuple[np.ndarray, np.ndarray]    # bool [n] left, right upper lid skin (what a lid seal moves)
    lips_upper: np.ndarray      # bool [n] whole upper lip
    lips_lower: np.ndarray
    mouth_width: float
    height_above_nose: float
    eye_centres: np.ndarray     # [2, 3] left (+x), right
    eye_radius: float
    eye_rotations: dict[int, tuple[int, np.ndarray]]   # key index -> (eye 0/1, rotation of that eyeball)
    face_front: np.ndarray      # bool [n] the front of the face: brows to chin, within the cheeks
    # key index -> rigid motion (3x3 rotation, translation) of the lower teeth / the tongue at weight 1
    jaw_motions: dict[int, tuple[np.ndarray, np.ndarray]]
    tongue_motions: dict[int, tuple[np.ndarray, np.ndarray]]

    @property
    def nose(self) -> int:
        return self.landmarks["nose_tip"]


def _lid_margins(head: ReferenceHead, skin: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The lid skin in front of each eyeball's pupil column, split into upper and lower lid (the
    vertical opening between them is the lid gap, as the lip gap is between the lips)."""
    uppers, lowers = [], []
    v = head.basis[skin].astype(np.float64)
    r = head.eye_radius
    for centre in head.eye_centres.astype(np.float64):
        d = np.linalg.norm(v - centre, axis=1)
        band = (d > r) & (d < (1 + LID_BAND) * r) & (np.abs(v[:, 0] - centre[0]) < LID_COLUMN * r)
        band &= v[:, 1] < centre[1] - LID_FRONT * r
        idx = np.flatnonzero(band)
        uppers.append(idx[v[idx, 2] > centre[2]])
        lowers.append(idx[v[idx, 2] <= centre[2]])
    return (uppers[0], uppers[1]), (lowers[0], lowers[1])


def _rigid_motions(head: ReferenceHead, part: str) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The keys that move a part of the reference head, each as the rigid motion that fits it best
    (x' = R x + t; the tongue's tongueOut is not quite rigid: the best rigid fit is what a separate
    tongue object can do)."""
    mask = head.part_mask(part)
    before = head.basis[mask].astype(np.float64)
    centre = before.mean(axis=0)
    out = {}
    for k in range(len(head.channels)):
        after = before + head.offsets[k][mask]
        if np.abs(after - before).max() > 1e-5:
            rot = rotation_between(before - centre, after - after.mean(axis=0), np.zeros(3))
            out[k] = (rot, after.mean(axis=0) - rot @ centre)
    return out


def _upper_lid(head: ReferenceHead, v: np.ndarray, side: int) -> np.ndarray:
    """The skin an eyeBlink moves down over that eye: what moves in the reference's blink, above the
    eye centre."""
    key = head.channels.index(("eyeBlinkLeft", "eyeBlinkRight")[side])
    moved = np.linalg.norm(head.offsets[key][: len(v)], axis=1)
    return (moved > 0.3 * moved.max()) & (v[:, 2] > head.eye_centres[side, 2])


def _beside(v: np.ndarray, nose: int, side: int, head: ReferenceHead) -> int:
    """The front skin vertex level with the nose tip, 0.8 mouth widths to one side (on the cheek)."""
    target = v[nose] + [side * 0.8 * head.mouth_width(), 0.0, 0.0]
    front = v[:, 1] < head.eye_centres[0, 1]
    cost = np.abs(v[:, 0] - target[0]) + np.abs(v[:, 2] - target[2]) + np.where(front, 0.0, 1.0)
    return int(np.argmin(cost))


def _face_front(head: ReferenceHead, v: np.ndarray) -> np.ndarray:
    """Skin in front of the eyeballs' centres, from above the brows to under the chin, within the
    outer eye corners sideways."""
    centre = head.eye_centres.astype(np.float64)
    r = head.eye_radius
    chin_z = v[head.regions["chin"][: len(v)], 2].min()
    return ((v[:, 1] < centre[0, 1]) & (v[:, 2] < centre[0, 2] + 3 * r) & (v[:, 2] > chin_z)
            & (np.abs(v[:, 0]) < centre[0, 0] + 1.5 * r))


@lru_cache(maxsize=1)
def reference_skin() -> ReferenceSkin:
    head = load_reference_head()
    skin_mask = head.part_mask("skin")
    skin = np.flatnonzero(skin_mask)
    if not (skin == np.arange(len(skin))).all():
        raise ValueError("the reference head stores its skin first")
    faces = head.faces[np.all((head.faces < 0) | skin_mask[np.maximum(head.faces, 0)], axis=1)]
    tris = triangulate(faces)
    v = head.basis[skin].astype(np.float64)
    nose = int(np.argmin(v[:, 1]))
    chin_idx = np.flatnonzero(head.regions["chin"][skin])
    chin = int(chin_idx[np.argmin(v[chin_idx, 1] + 0.0 * v[chin_idx, 2])])
    front = v[:, 1] < np.median(v[:, 1])
    jaw_l = int(np.flatnonzero(front & (v[:, 2] < v[head.mouth_corners[0], 2]))[
        np.argmax(v[front & (v[:, 2] < v[head.mouth_corners[0], 2]), 0])])
    eye_l = head.eye_centres[0]
    landmarks = {
        "nose_tip": nose,
        "cheek_left": _beside(v, nose, +1, head),
        "cheek_right": _beside(v, nose, -1, head),
        "chin": chin,
        "mouth_corner_left": int(head.mouth_corners[0]),
        "mouth_corner_right": int(head.mouth_corners[1]),
        "upper_lip": int(head.upper_lip[np.argmin(np.abs(v[head.upper_lip, 0]))]),
        "lower_lip": int(head.lower_lip[np.argmin(np.abs(v[head.lower_lip, 0]))]),
        "jaw_left": jaw_l,
        "jaw_right": int(head.mirror[jaw_l]),
        "eye_left": int(np.argmin(np.linalg.norm(v - (eye_l + [0, -head.eye_radius, 0]), axis=1))),
        "eye_right": int(np.argmin(np.linalg.norm(v - (head.eye_centres[1] + [0, -head.eye_radius, 0]), axis=1))),
    }
    lid_upper, lid_lower = _lid_margins(head, skin)
    eye_rotations: dict[int, tuple[int, np.ndarray]] = {}
    for side, part in enumerate(("eyeball_left", "eyeball_right")):
        ball = head.part_mask(part)
        centre = head.eye_centres[side].astype(np.float64)
        for k in range(len(head.channels)):
            moved = head.offsets[k][ball].astype(np.float64)
            if np.abs(moved).max() > 1e-6:
                before = head.basis[ball].astype(np.float64)
                eye_rotations[k] = (side, rotation_between(before, before + moved, centre))
    return ReferenceSkin(
        channels=head.channels, vertices=v, tris=tris, normals=vertex_normals(v, tris),
        offsets=head.offsets[:, skin].astype(np.float64), landmarks=landmarks,
        upper_lip=head.upper_lip.astype(np.int64), lower_lip=head.lower_lip.astype(np.int64),
        lid_upper=lid_upper, lid_lower=lid_lower,
        lid_zones=(_upper_lid(head, v, 0), _upper_lid(head, v, 1)),
        lips_upper=head.regions["lips_upper"][skin], lips_lower=head.regions["lips_lower"][skin],
        mouth_width=head.mouth_width(), height_above_nose=float(v[:, 2].max() - v[nose, 2]),
        eye_centres=head.eye_centres.astype(np.float64), eye_radius=float(head.eye_radius),
        eye_rotations=eye_rotations, face_front=_face_front(head, v),
        jaw_motions=_rigid_motions(head, "teeth_lower"), tongue_motions=_rigid_motions(head, "tongue"))
