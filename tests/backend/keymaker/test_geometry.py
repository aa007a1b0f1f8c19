"""Closest points on triangles and the compatible-normal surface query against brute force."""

from __future__ import annotations

import numpy as np
from unitaf_backend.keymaker.geometry import SurfaceIndex, closest_on_triangles, triangulate


def brute_closest(p, a, b, c, steps=200):
    s, t = np.meshgrid(np.linspace(0, 1, steps), np.linspace(0, 1, steps))
    keep = s + t <= 1
    pts = a + s[keep][:, None] * (b - a) + t[keep][:, None] * (c - a)
    return pts[np.argmin(np.linalg.norm(pts - p, axis=1))]


def test_closest_point_matches_brute_force_in_every_region():
    rng = np.random.default_rng(3)
    a, b, c = np.array([0.0, 0, 0]), np.array([1.0, 0, 0]), np.array([0.2, 0.9, 0])
    points = rng.uniform(-1, 2, size=(60, 3))
    bary = closest_on_triangles(points, np.tile(a, (60, 1)), np.tile(b, (60, 1)), np.tile(c, (60, 1)))
    assert np.allclose(bary.sum(1), 1) and (bary >= -1e-12).all()
    got = bary @ np.stack([a, b, c])
    for p, q in zip(points, got):
        ref = brute_closest(p, a, b, c)
        assert np.linalg.norm(p - q) <= np.linalg.norm(p - ref) + 1e-3


def test_surface_query_skips_faces_turned_the_other_way():
    # two parallel sheets 1 mm apart, facing each other (like the two lips)
    quad = [[0, 1, 2, 3]]
    lower = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0.0]])
    upper = lower + [0, 0, 0.001]
    v = np.concatenate([lower, upper])
    tris = np.concatenate([triangulate(quad), triangulate([[7, 6, 5, 4]])])
    index = SurfaceIndex(v, tris)
    q = np.array([[0.5, 0.5, 0.0009]])                       # nearer the upper sheet
    down = np.array([[0.0, 0, -1]])                          # but facing down like the upper sheet's underside?
    up = np.array([[0.0, 0, 1]])
    tri_up, *_ = index.query(q, up, min_cos=0.5)
    tri_down, *_ = index.query(q, down, min_cos=0.5)
    assert tri_up[0] in (0, 1) and tri_down[0] in (2, 3)


def test_decimation_halves_the_reference_and_keeps_a_clean_surface():
    from unitaf_backend.keymaker.geometry import edge_use_counts
    from unitaf_backend.keymaker.reference import reference_skin
    from unitaf_backend.keymaker.testheads import decimation, other_diagonal_tris

    ref = reference_skin()
    tris = other_diagonal_tris()
    r_mat, new = decimation(ref.vertices, tris, 0.5)
    assert r_mat.shape == (len(ref.vertices) // 2, len(ref.vertices))
    assert np.allclose(np.asarray(r_mat.sum(axis=1)).ravel(), 1.0)       # each vertex a blend of old ones
    _, counts = edge_use_counts(new)
    _, old_counts = edge_use_counts(tris)
    assert counts.max() == 2 and (counts == 1).sum() == (old_counts == 1).sum()    # rims kept, no pinches
    points = r_mat @ ref.vertices
    area = np.linalg.norm(np.cross(points[new[:, 1]] - points[new[:, 0]], points[new[:, 2]] - points[new[:, 0]]), axis=1)
    assert (area > 0).all() and len(np.unique(new)) == r_mat.shape[0]
