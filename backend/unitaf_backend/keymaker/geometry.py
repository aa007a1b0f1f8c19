"""Triangle-mesh geometry the fit and the transfer share: normals, edges, exact closest points."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def triangulate(faces: np.ndarray | list[list[int]]) -> np.ndarray:
    """Polygons (an int array [F, k] padded with -1, or a list of index lists) -> triangles [T, 3] (fans)."""
    rows = faces.tolist() if isinstance(faces, np.ndarray) else faces
    tris: list[tuple[int, int, int]] = []
    for poly in rows:
        p = [int(i) for i in poly if int(i) >= 0]
        tris.extend((p[0], p[j], p[j + 1]) for j in range(1, len(p) - 1))
    return np.asarray(tris, dtype=np.int64).reshape(-1, 3)


def face_normals(vertices: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Unit normals [T, 3] (zero for degenerate triangles)."""
    v = vertices[tris]
    n = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return np.divide(n, length, out=np.zeros_like(n), where=length > 0)


def vertex_normals(vertices: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals [V, 3]."""
    v = vertices[tris]
    n = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    out = np.zeros_like(vertices, dtype=np.float64)
    for k in range(3):
        np.add.at(out, tris[:, k], n)
    length = np.linalg.norm(out, axis=1, keepdims=True)
    return np.divide(out, length, out=np.zeros_like(out), where=length > 0)


def unique_edges(tris: np.ndarray) -> np.ndarray:
    e = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    return np.unique(np.sort(e, axis=1), axis=0)


def edge_use_counts(tris: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(edges [E, 2], how many triangles use each)."""
    e = np.sort(np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]]), axis=1)
    return np.unique(e, axis=0, return_counts=True)


def boundary_vertices(tris: np.ndarray, vertex_count: int) -> np.ndarray:
    """bool [V]: vertices on an open edge (used by one triangle only)."""
    edges, counts = edge_use_counts(tris)
    mask = np.zeros(vertex_count, dtype=bool)
    mask[edges[counts == 1].ravel()] = True
    return mask


def closest_on_triangles(points: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Barycentric coordinates [N, 3] of the closest point of triangle (a, b, c)[i] to points[i].

    The region test of Ericson's "Real-Time Collision Detection" (5.1.5), vectorised.
    """
    ab, ac, ap = b - a, c - a, points - a
    d1, d2 = (ab * ap).sum(1), (ac * ap).sum(1)
    bp = points - b
    d3, d4 = (ab * bp).sum(1), (ac * bp).sum(1)
    cp = points - c
    d5, d6 = (ab * cp).sum(1), (ac * cp).sum(1)
    va, vb, vc = d3 * d6 - d5 * d4, d5 * d2 - d1 * d6, d1 * d4 - d3 * d2
    out = np.zeros((len(points), 3))
    denom = va + vb + vc
    safe = np.where(np.abs(denom) > 1e-30, denom, 1.0)
    v, w = vb / safe, vc / safe
    out[:] = np.c_[1 - v - w, v, w]                                        # inside the face
    with np.errstate(divide="ignore", invalid="ignore"):
        # edges (later assignments win, so vertices are written after edges)
        m = (va <= 0) & (d4 - d3 >= 0) & (d5 - d6 >= 0)                     # edge bc
        t = np.clip((d4 - d3) / ((d4 - d3) + (d5 - d6)), 0, 1)
        out[m] = np.c_[np.zeros(m.sum()), 1 - t[m], t[m]]
        m = (vb <= 0) & (d2 >= 0) & (d6 <= 0)                               # edge ac
        t = np.clip(d2 / (d2 - d6), 0, 1)
        out[m] = np.c_[1 - t[m], np.zeros(m.sum()), t[m]]
        m = (vc <= 0) & (d1 >= 0) & (d3 <= 0)                               # edge ab
        t = np.clip(d1 / (d1 - d3), 0, 1)
        out[m] = np.c_[1 - t[m], t[m], np.zeros(m.sum())]
    for m, k in (((d1 <= 0) & (d2 <= 0), 0), ((d3 >= 0) & (d4 <= d3), 1), ((d6 >= 0) & (d5 <= d6), 2)):
        out[m] = 0.0
        out[m, k] = 1.0
    return np.nan_to_num(out, nan=1.0 / 3.0)


QUERY_CHUNK = 50_000


class SurfaceIndex:
    """Exact closest points on a triangle mesh: a KD-tree of triangle centres picks candidates, the exact
    point-triangle test decides. Candidates whose normal disagrees with the query's normal by more than
    `max_angle` are skipped (so a point on the lower lip does not land on the upper lip facing it)."""

    def __init__(self, vertices: np.ndarray, tris: np.ndarray, candidates: int = 12):
        self.vertices = np.asarray(vertices, dtype=np.float64)
        self.tris = np.asarray(tris, dtype=np.int64)
        self.normals = face_normals(self.vertices, self.tris)
        self.tree = cKDTree(self.vertices[self.tris].mean(axis=1))
        self.candidates = min(candidates, len(self.tris))

    def query(self, points: np.ndarray, normals: np.ndarray | None = None, min_cos: float = -1.0
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(triangle [N], barycentrics [N, 3], closest point [N, 3], distance [N]); a query with no
        compatible candidate gets its plain closest triangle and distance inf. Large queries run in
        chunks so the candidate arrays stay small."""
        points = np.asarray(points, dtype=np.float64)
        if len(points) > QUERY_CHUNK:
            parts = [self.query(points[i:i + QUERY_CHUNK], None if normals is None else normals[i:i + QUERY_CHUNK],
                                min_cos) for i in range(0, len(points), QUERY_CHUNK)]
            return tuple(np.concatenate(p) for p in zip(*parts))  # type: ignore[return-value]
        k = self.candidates
        _, cand = self.tree.query(points, k=k)
        cand = cand.reshape(len(points), k)
        n = len(points)
        rep = np.repeat(points, k, axis=0)
        t = self.tris[cand.ravel()]
        bary = closest_on_triangles(rep, self.vertices[t[:, 0]], self.vertices[t[:, 1]], self.vertices[t[:, 2]])
        closest = np.einsum("ij,ijk->ik", bary, self.vertices[t])
        dist = np.linalg.norm(closest - rep, axis=1).reshape(n, k)
        score = dist.copy()
        if normals is not None:
            cos = (self.normals[cand] * np.asarray(normals)[:, None, :]).sum(-1)
            score = np.where(cos >= min_cos, dist, np.inf)
        best = np.argmin(score, axis=1)
        plain = np.argmin(dist, axis=1)
        ok = np.isfinite(score[np.arange(n), best])
        pick = np.where(ok, best, plain)
        rows = np.arange(n) * k + pick
        tri = cand[np.arange(n), pick]
        out_dist = np.where(ok, dist[np.arange(n), pick], np.inf)
        return tri, bary[rows], closest[rows], out_dist
