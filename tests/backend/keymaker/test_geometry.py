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
