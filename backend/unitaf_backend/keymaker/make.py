"""Make the 52 ARKit shape keys for a head mesh that has none: place, fit, transfer, seal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from ..errors import BadInput
from .closure import seal, vertical_gap
from .eyes import eyeball_pieces, fitted_point, gaze_offsets, pieces
from .fit import NonRigidFit, Similarity, nonrigid_icp, similarity_icp, umeyama
from .geometry import SurfaceIndex, triangulate, vertex_normals
from .orientation import Placement, head_region, place_reference
from .reference import ReferenceSkin, reference_skin
from .transfer import bind, transfer_offsets

MIN_VERTICES = 200
# Above this the dense float32 [52, V, 3] offsets alone pass 300 MB (and Blender holds them once more):
# the user is asked to separate or decimate the head.
MAX_VERTICES = 500_000
# A similarity placement whose mean distance passes this fraction of the head height found no head.
MAX_PLACEMENT_OF_HEIGHT = 0.1
# A head: its nose stands out in front of its cheeks (in mouth widths; MIN_NOSE_OF_MOUTH) and the fit
# ends on its surface (95th percentile distance, mouth widths; MAX_RESIDUAL_P95_OF_MOUTH). Measured
# figures are in docs/keymaker.md.
MIN_NOSE_OF_MOUTH = 0.35
MAX_RESIDUAL_P95_OF_MOUTH = 0.06
# A blink is sealed until the upper lid passes the lower one by this much (mouth widths).
LID_SEAL_OF_MOUTH = 0.004
# Target vertices follow the fitted reference fully within NEAR and not at all beyond FAR (mouth widths).
NEAR, FAR = 0.10, 0.40


@dataclass(frozen=True)
class MadeKeys:
    channels: tuple[str, ...]
    offsets: np.ndarray                 # float32 [52, V, 3] in the target's own frame and units
    landmarks: dict[str, np.ndarray]    # name -> [3] point on the target (its frame)
    rotation: np.ndarray                # target frame -> canonical (Z up, face along -Y)
    scale: float                        # target units per reference metre
    residual_median: float              # distance of the fitted reference to the target, target units
    residual_p95: float
    mouth_width: float                  # target units
    lip_gap: float                      # at jawOpen + mouthClose, target units (<= 0: closed)
    lid_gaps: tuple[float, float]       # at eyeBlinkLeft / Right
    corrections: dict[str, float] = field(default_factory=dict)   # key -> seal shift applied
    moved_vertices: int = 0             # target vertices bound to the face
    # key -> 4x4 rigid motion (the mesh's frame) of a separate lower-teeth / tongue object at weight 1
    jaw_motions: dict[str, np.ndarray] = field(default_factory=dict)
    tongue_motions: dict[str, np.ndarray] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        mm = 50.0 / self.mouth_width    # figures in mm at a 50 mm mouth
        parts = [f"52 keys on {self.offsets.shape[1]} vertices ({self.moved_vertices} on the face)",
                 (f"fit residual median {self.residual_median * mm:.2f} mm, 95% {self.residual_p95 * mm:.2f} mm "
                  "(at a 50 mm mouth)"),
                 f"lip gap at jawOpen+mouthClose {self.lip_gap * mm:.2f} mm",
                 f"lid gaps at blink {self.lid_gaps[0] * mm:.2f} / {self.lid_gaps[1] * mm:.2f} mm"]
        return "; ".join(parts + list(self.notes))


def _check(vertices: np.ndarray, faces: np.ndarray | list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(vertices, dtype=np.float64)
    if v.ndim != 2 or v.shape[1] != 3:
        raise BadInput(f"vertices must be [V, 3], got shape {v.shape}")
    if len(v) < MIN_VERTICES:
        raise BadInput(f"the mesh has {len(v)} vertices; a head needs at least {MIN_VERTICES}")
    if len(v) > MAX_VERTICES:
        raise BadInput(f"the mesh has {len(v):,} vertices; the key maker takes at most {MAX_VERTICES:,}: "
                       "separate the head (or decimate it) and run it on that")
    if not np.isfinite(v).all():
        raise BadInput("the mesh has vertices that are not finite numbers")
    tris = triangulate(faces)
    if len(tris) == 0:
        raise BadInput("the mesh has no faces")
    if tris.min() < 0 or tris.max() >= len(v):
        raise BadInput("a face refers to a vertex the mesh does not have")
    area = np.linalg.norm(np.cross(v[tris[:, 1]] - v[tris[:, 0]], v[tris[:, 2]] - v[tris[:, 0]]), axis=1)
    return v, tris[area > 0]


# Given landmarks: at least this many, to place the reference by them (a similarity has 7 unknowns).
MIN_GIVEN_LANDMARKS = 4


def landmark_names(reference: ReferenceSkin | None = None) -> tuple[str, ...]:
    """The names of the landmarks the key maker finds and takes (in its order)."""
    return tuple((reference or reference_skin()).landmarks)


def _given_landmarks(given: Mapping[str, Sequence[float] | np.ndarray], ref: ReferenceSkin
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(reference skin vertex indices, target points [k, 3]) of landmarks given by name."""
    unknown = sorted(set(given) - set(ref.landmarks))
    if unknown:
        raise BadInput(f"unknown landmark {unknown[0]!r}; the landmarks are {', '.join(ref.landmarks)}")
    names = [n for n in ref.landmarks if n in given]
    rows = [np.asarray(given[n], dtype=np.float64).reshape(-1) for n in names]
    if any(len(r) != 3 for r in rows):
        raise BadInput("a given landmark is not a point [x, y, z]")
    points = np.array(rows).reshape(-1, 3)
    if len(names) < MIN_GIVEN_LANDMARKS:
        raise BadInput(f"{len(names)} landmarks given; placing the head by landmarks needs at least "
                       f"{MIN_GIVEN_LANDMARKS} of {', '.join(ref.landmarks)}")
    if not np.isfinite(points).all():
        raise BadInput("a given landmark is not a finite point")
    idx = np.array([ref.landmarks[n] for n in names], dtype=np.int64)
    if np.linalg.matrix_rank(points - points.mean(axis=0), tol=1e-9 * np.ptp(points)) < 2:
        raise BadInput("the given landmarks lie on one line; a face needs them spread over it")
    return idx, points


@dataclass(frozen=True)
class HeadFit:
    """The reference skin fitted onto a head mesh (canonical frame: Z up, the face along -Y)."""
    vertices: np.ndarray          # [V, 3] the mesh (its frame)
    tris: np.ndarray
    rotation: np.ndarray          # the mesh's frame -> canonical
    similarity: Similarity        # reference -> canonical mesh
    canon: np.ndarray
    canon_normals: np.ndarray
    fit: NonRigidFit
    residual_median: float
    residual_p95: float
    mouth_width: float
    landmark_index: dict[str, int]    # name -> reference skin vertex
    landmarks_given: int = 0

    @property
    def landmarks(self) -> dict[str, np.ndarray]:
        """name -> the fitted landmark on the mesh, in its own frame."""
        return {name: self.fit.vertices[i] @ self.rotation for name, i in self.landmark_index.items()}


def _place_by_landmarks(ref: ReferenceSkin, v: np.ndarray, normals: np.ndarray, idx: np.ndarray,
                        points: np.ndarray) -> Placement:
    """The placement from given landmarks: the similarity that puts the reference's landmarks on them
    fixes the head's orientation (any, not only the 24 axis-aligned ones), refined by ICP while that
    keeps it."""
    first = umeyama(ref.vertices[idx], points)                  # reference -> the mesh's frame
    rot = first.rotation.T                                      # the mesh's frame -> canonical
    canon, canon_normals = v @ rot.T, normals @ rot.T
    region = head_region(canon)
    start = Similarity(first.scale, np.eye(3), rot @ first.translation)
    sim, err = similarity_icp(ref.vertices, ref.normals, canon[region], canon_normals[region], start, iterations=40)
    moved = np.linalg.norm(sim.apply(ref.vertices[idx]) - start.apply(ref.vertices[idx]), axis=1).max()
    if not np.isfinite(err) or moved > 0.5 * ref.mouth_width * first.scale:
        sim = start             # the surface pulled it off the user's points: the user's points win
        err = float(cKDTree(canon[region]).query(start.apply(ref.vertices))[0].mean())
    return Placement(rot, region, sim, err / (ref.height_above_nose * first.scale), np.inf)


def fit_head(vertices: np.ndarray, faces: np.ndarray | list[list[int]], *, try_orientations: bool = True,
             reference: ReferenceSkin | None = None,
             landmarks: Mapping[str, Sequence[float] | np.ndarray] | None = None) -> HeadFit:
    """Find the head on the mesh and fit the reference skin onto it. With `landmarks` (name -> point in
    the mesh's frame, e.g. the found ones moved by the user) the reference is placed by them and held to
    them while it fits. Raises BadInput with one line when the mesh is no head it can fit."""
    v, tris = _check(vertices, faces)
    ref = reference or reference_skin()
    normals = vertex_normals(v, tris)
    if landmarks:
        lm_idx, lm_points = _given_landmarks(landmarks, ref)
        placement = _place_by_landmarks(ref, v, normals, lm_idx, lm_points)
    else:
        lm_idx, lm_points = np.zeros(0, dtype=np.int64), np.zeros((0, 3))
        placement = place_reference(ref.vertices, ref.normals, ref.nose, v, normals, try_all=try_orientations)
    rot, sim = placement.rotation, placement.similarity
    canon = v @ rot.T
    canon_normals = normals @ rot.T
    scale = sim.scale
    mouth = ref.mouth_width * scale
    turned = (" (or place the landmarks: Find Face Landmarks, move them onto the face)" if not landmarks else "")
    if placement.mean_distance > MAX_PLACEMENT_OF_HEIGHT:
        raise BadInput("no head found on this mesh: the reference face does not fit it anywhere "
                       f"(mean distance {placement.mean_distance:.0%} of the head height); a head turned off the "
                       "axes: apply a rotation so it looks along -Y with +Z up" + turned)
    placed = sim.apply(ref.vertices)
    target_index = SurfaceIndex(canon, tris[placement.region[tris].all(axis=1)])
    height = ref.height_above_nose * scale
    fit = nonrigid_icp(placed, ref.tris, target_index, target_index.normals, lm_idx, lm_points @ rot.T,
                       scale=height, max_distance=0.1, min_cos=0.5)
    finite = fit.distance[np.isfinite(fit.distance)]
    if len(finite) < 0.5 * len(fit.distance):
        raise BadInput("no head found on this mesh: most of the reference face has no surface to land on" + turned)
    res_median, res_p95 = float(np.median(finite)), float(np.quantile(finite, 0.95))
    prominence = nose_prominence(canon[placement.region], fit.vertices[ref.nose], mouth)
    if prominence < MIN_NOSE_OF_MOUTH or res_p95 > MAX_RESIDUAL_P95_OF_MOUTH * mouth:
        why = (f"nothing stands out like a nose ({prominence:.0%} of a mouth width in front of the cheeks, "
               f"a head has over {MIN_NOSE_OF_MOUTH:.0%})" if prominence < MIN_NOSE_OF_MOUTH else
               f"the fitted face stays up to {res_p95 / mouth:.0%} of a mouth width off the surface")
        raise BadInput(f"no head found on this mesh: {why}; is it a human head with a nose, eyes and a mouth? "
                       "(a head turned off the axes: apply a rotation so it looks along -Y with +Z up)" + turned)
    return HeadFit(v, tris, rot, sim, canon, canon_normals, fit, res_median, res_p95, mouth, ref.landmarks,
                   len(lm_idx))


def find_landmarks(vertices: np.ndarray, faces: np.ndarray | list[list[int]], *, try_orientations: bool = True
                   ) -> dict[str, np.ndarray]:
    """The face's landmarks found on the mesh (name -> point in its frame): what the user may move
    before the keys are made from them."""
    return fit_head(vertices, faces, try_orientations=try_orientations).landmarks


def make_shape_keys(vertices: np.ndarray, faces: np.ndarray | list[list[int]], *,
                    try_orientations: bool = True, seal_closures: bool = True,
                    reference: ReferenceSkin | None = None,
                    landmarks: Mapping[str, Sequence[float] | np.ndarray] | None = None) -> MadeKeys:
    """The 52 ARKit offsets for a head mesh (any topology, any units, any of the 24 axis-aligned
    orientations, or any orientation with `landmarks`). Raises BadInput with one line when the mesh is
    no head it can fit."""
    ref = reference or reference_skin()
    head = fit_head(vertices, faces, try_orientations=try_orientations, reference=ref, landmarks=landmarks)
    tris, rot, sim, canon, canon_normals, fit = (head.tris, head.rotation, head.similarity, head.canon,
                                                 head.canon_normals, head.fit)
    scale, mouth = sim.scale, head.mouth_width
    res_median, res_p95 = head.residual_median, head.residual_p95
    linear = fit.affines @ (scale * sim.rotation)                            # reference -> canonical target
    binding = bind(canon, canon_normals, fit.vertices, ref.tris, NEAR * mouth, FAR * mouth)
    offsets = transfer_offsets(binding, fit.vertices, ref.tris, linear, ref.offsets)
    eyeballs = _turn_eyeballs(offsets, canon, tris, ref, fit.vertices, linear, sim.rotation, scale)

    # target vertex sets of the lips and lids: those bound to the reference's (eyeballs are not lids)
    bound = binding.weight > 0.5
    for members in eyeballs:
        bound[members] = False
    dominant = ref.tris[binding.tri, np.argmax(binding.bary, axis=1)]
    def on(ref_vertices: np.ndarray) -> np.ndarray:
        mask = np.zeros(len(ref.vertices), dtype=bool)
        mask[ref_vertices] = True
        return np.flatnonzero(bound & mask[dominant])
    def zone(ref_mask: np.ndarray) -> np.ndarray:
        return binding.weight * (binding.bary * ref_mask[ref.tris[binding.tri]]).sum(1)

    ch = ref.channels
    jaw, close = ch.index("jawOpen"), ch.index("mouthClose")
    upper, lower = on(ref.upper_lip), on(ref.lower_lip)
    corrections: dict[str, float] = {}
    if seal_closures:
        ref_gap = vertical_gap(ref.vertices + ref.offsets[jaw] + ref.offsets[close], ref.upper_lip, ref.lower_lip)
        shift = seal(offsets, canon, [jaw], close, upper, lower, zone(ref.lips_upper), zone(ref.lips_lower),
                     ref_gap * scale)
        if shift:
            corrections["mouthClose"] = shift
    lip_gap = vertical_gap(canon + offsets[jaw] + offsets[close], upper, lower)
    lid_gaps = []
    for side, name in enumerate(("eyeBlinkLeft", "eyeBlinkRight")):
        k = ch.index(name)
        lid_up, lid_low = on(ref.lid_upper[side]), on(ref.lid_lower[side])
        if seal_closures:     # the upper lid comes down to touch the lower one
            shift = seal(offsets, canon, [], k, lid_up, lid_low, zone(ref.lid_zones[side]),
                         np.zeros(len(canon)), LID_SEAL_OF_MOUTH * -mouth, upper_share=1.0)
            if shift:
                corrections[name] = shift
        lid_gaps.append(vertical_gap(canon + offsets[k], lid_up, lid_low))

    landmarks = head.landmarks
    notes = []
    if head.landmarks_given:
        notes.append(f"placed by the {head.landmarks_given} landmarks given")
    found_eyes = [side for side, m in zip(("left", "right"), eyeballs) if len(m)]
    if found_eyes:
        notes.append(f"eyeballs in the mesh ({' and '.join(found_eyes)}) turn with the eyeLook keys")
    to_mesh = rot.T @ sim.rotation            # the reference's directions in the mesh's frame
    turn = _turn_degrees(to_mesh)
    if turn > 1.0:
        up = to_mesh @ np.array([0.0, 0, 1])
        fwd = to_mesh @ np.array([0.0, -1, 0])
        notes.append(f"the head's up is {_axis(up)} and it looks along {_axis(fwd)}"
                     + ("" if np.allclose(np.abs(to_mesh), np.round(np.abs(to_mesh)), atol=0.02)
                        else f" (turned {turn:.0f} degrees)")
                     + " (Blender's convention is +Z up, looking along -Y); the keys follow the head as it is")
    return MadeKeys(
        channels=ch, offsets=(offsets @ rot).astype(np.float32), landmarks=landmarks, rotation=rot, scale=scale,
        residual_median=res_median, residual_p95=res_p95, mouth_width=mouth, lip_gap=lip_gap,
        lid_gaps=(lid_gaps[0], lid_gaps[1]), corrections=corrections, moved_vertices=int(bound.sum()),
        jaw_motions={ch[k]: _carried(m, sim, rot) for k, m in ref.jaw_motions.items()},
        tongue_motions={ch[k]: _carried(m, sim, rot) for k, m in ref.tongue_motions.items()},
        notes=tuple(notes))


def _carried(motion: tuple[np.ndarray, np.ndarray], sim: Similarity, rot: np.ndarray) -> np.ndarray:
    """A rigid motion of the reference (x' = Q x + d) as a 4x4 matrix in the target's own frame: through
    the similarity onto the canonical target, then back by the orientation found."""
    q, d = motion
    r, t, s = sim.rotation, sim.translation, sim.scale
    lin = rot.T @ r @ q @ r.T @ rot
    off = rot.T @ (-(r @ q @ r.T) @ t + s * r @ d + t)
    out = np.eye(4)
    out[:3, :3], out[:3, 3] = lin, off
    return out


def _turn_eyeballs(offsets: np.ndarray, canon: np.ndarray, tris: np.ndarray, ref: ReferenceSkin,
                   fitted: np.ndarray, linear: np.ndarray, turn: np.ndarray, scale: float) -> list[np.ndarray]:
    """Eyeball pieces of the mesh: the eyeLook keys turn them as the reference's eyeballs turn, no
    other key moves them. Returns the members of the left and right eyeball ([] where none)."""
    centres = np.array([fitted_point(c, ref.vertices, fitted, linear) for c in ref.eye_centres])
    balls = eyeball_pieces(canon, pieces(len(canon), tris), centres, ref.eye_radius * scale)
    for side, members in enumerate(balls):
        if len(members) == 0:
            continue
        offsets[:, members] = 0.0
        for k, (eye, rotation) in ref.eye_rotations.items():
            if eye == side:
                offsets[k, members] = gaze_offsets(canon, members, centres[side], turn @ rotation @ turn.T)
    return balls


def nose_prominence(points: np.ndarray, fitted_nose: np.ndarray, mouth: float) -> float:
    """How far the mesh's nose stands out in front of its cheeks, in mouth widths (canonical frame):
    the most forward point near where the fit put the nose tip, against the front surface 0.8 mouth
    widths to either side at the same height."""
    near = np.linalg.norm(points - fitted_nose, axis=1) < 0.5 * mouth
    if not near.any():
        return 0.0
    tip = points[near][np.argmin(points[near, 1])]
    fronts = []
    for side in (1.0, -1.0):
        for half in (0.1, 0.2, 0.3):       # wider windows for coarse meshes with no vertex in the first
            column = (np.abs(points[:, 0] - (tip[0] + side * 0.8 * mouth)) < half * mouth) & \
                     (np.abs(points[:, 2] - tip[2]) < half * mouth)
            if column.any():
                break
        else:
            return 0.0
        fronts.append(points[column, 1].min())
    return float((np.mean(fronts) - tip[1]) / mouth)


def _turn_degrees(rotation: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(rotation) - 1) / 2, -1, 1))))


def _axis(vec: np.ndarray) -> str:
    i = int(np.argmax(np.abs(vec)))
    return ("-" if vec[i] < 0 else "+") + "XYZ"[i]
