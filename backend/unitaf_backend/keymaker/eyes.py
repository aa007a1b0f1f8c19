"""Eyeballs inside the head mesh: found as separate pieces in the eye sockets, turned for the eyeLook
keys, still for every other key (a blink closes the lids over them, it does not squash them)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .geometry import unique_edges

# A piece is an eyeball when this share of its vertices lies within EYE_REACH eye radii of a fitted
# eye centre, and it is smaller than MAX_SHARE of the mesh.
EYE_SHARE, EYE_REACH, MAX_SHARE = 0.9, 1.4, 0.2


def rotation_between(before: np.ndarray, after: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """The rotation about `centre` that best maps before onto after (Kabsch, no reflection)."""
    h = (before - centre).T @ (after - centre)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    return vt.T @ np.diag([1.0, 1.0, d]) @ u.T


def pieces(vertex_count: int, tris: np.ndarray) -> np.ndarray:
    """Connected piece label of every vertex."""
    e = unique_edges(tris)
    graph = sp.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(vertex_count, vertex_count))
    return connected_components(graph, directed=False)[1]


def fitted_point(point: np.ndarray, ref_vertices: np.ndarray, fitted: np.ndarray, linear: np.ndarray,
                 k: int = 24) -> np.ndarray:
    """Where the fit carries a reference point that is not on the skin (an eye centre): the mean of
    what its k nearest skin vertices' local maps make of it."""
    _, idx = cKDTree(ref_vertices).query(point, k=k)
    return np.mean([fitted[i] + linear[i] @ (point - ref_vertices[i]) for i in idx], axis=0)


def eyeball_pieces(canon: np.ndarray, labels: np.ndarray, centres: np.ndarray, radius: float
                   ) -> list[np.ndarray]:
    """For each of the two fitted eye centres, the vertices of the piece that is that eyeball ([] if none)."""
    out = []
    counts = np.bincount(labels)
    for centre in centres:
        near = np.linalg.norm(canon - centre, axis=1) < EYE_REACH * radius
        best = np.zeros(0, dtype=np.int64)
        for label in np.unique(labels[near]):
            members = np.flatnonzero(labels == label)
            small = counts[label] < MAX_SHARE * len(canon)
            if small and near[members].mean() >= EYE_SHARE and len(members) > len(best):
                best = members
        out.append(best)
    return out


def gaze_offsets(canon: np.ndarray, members: np.ndarray, centre: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """[len(members), 3]: the offsets that turn these eyeball vertices by `rotation` about `centre`."""
    p = canon[members] - centre
    return p @ rotation.T - p
