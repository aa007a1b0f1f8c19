"""A human head modelled from primitives by this project (GPL-3.0-or-later, like the code; no outside
asset): an ellipsoid skull with a tapered jaw, smooth bumps for the nose, brows, cheekbones, lips and
chin, two eye openings with eyeballs behind them (separate pieces of the same mesh) and a mouth slit.
Its topology (a UV sphere) has nothing in common with the reference head's.

    .venv/bin/python tools/primitive_head.py OUT.obj      # write it as an OBJ (Z up, looking along -Y, metres)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

RINGS, SEGMENTS = 72, 112
CENTRE = np.array([0.0, 0.0, 0.15])
AXES = np.array([0.074, 0.098, 0.118])          # half width, half depth, half height (metres)
EYE_X, EYE_Z, EYE_RADIUS = 0.031, 0.160, 0.0118
MOUTH_Z, MOUTH_HALF_WIDTH = 0.088, 0.024


def _bump(x, z, x0, z0, sx, sz, height):  # type: ignore[no-untyped-def]
    return height * np.exp(-(((x - x0) / sx) ** 2 + ((z - z0) / sz) ** 2))


def _surface(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Points of the head for polar angle theta (0 = crown) and azimuth phi (0 = the face, -Y)."""
    s, c = np.sin(theta), np.cos(theta)
    p = np.stack([AXES[0] * s * np.sin(phi), -AXES[1] * s * np.cos(phi), AXES[2] * c], axis=-1) + CENTRE
    below = np.clip((CENTRE[2] - p[..., 2]) / 0.1, 0.0, 1.2)
    p[..., 0] *= 1.0 - 0.28 * below ** 1.5                      # the jaw narrows to the chin
    # under the jaw the head becomes a neck: a column 5.5 cm across, a little behind the face, reaching
    # 6 cm further down
    neck = np.clip((0.075 - p[..., 2]) / 0.04, 0.0, 1.0) * (c < 0)
    axis = np.array([0.0, 0.012])
    horiz = p[..., :2] - axis
    radius = np.linalg.norm(horiz, axis=-1, keepdims=True)
    p[..., :2] = axis + horiz * (1 - neck[..., None]) + horiz / np.maximum(radius, 1e-9) * 0.052 * neck[..., None]
    p[..., 2] -= 0.8 * np.clip(0.075 - p[..., 2], 0.0, None) * neck
    front = np.clip(np.cos(phi), 0.0, 1.0) ** 2 * np.clip(s * 1.2, 0, 1)
    x, z = p[..., 0], p[..., 2]
    out = np.zeros_like(x)
    ridge = np.clip((0.168 - z) / 0.043, 0.0, 1.0) * (z > 0.118)
    out += 0.034 * ridge ** 1.3 * np.exp(-(x / (0.007 + 0.008 * ridge)) ** 2)            # nose ridge
    out += _bump(x, z, 0.0, 0.121, 0.010, 0.008, 0.010)                                   # nose tip
    out += _bump(x, z, 0.013, 0.117, 0.006, 0.005, 0.008) + _bump(x, z, -0.013, 0.117, 0.006, 0.005, 0.008)
    for side in (1, -1):
        out += _bump(x, z, side * EYE_X, EYE_Z, 0.015, 0.011, -0.012)                     # socket
        out += _bump(x, z, side * 0.028, 0.178, 0.02, 0.006, 0.005)                       # brow
        out += _bump(x, z, side * 0.046, 0.135, 0.016, 0.012, 0.006)                      # cheekbone
    out += _bump(x, z, 0.0, MOUTH_Z + 0.006, 0.02, 0.005, 0.013)                          # upper lip
    out += _bump(x, z, 0.0, MOUTH_Z - 0.007, 0.018, 0.005, 0.012)                         # lower lip
    out += _bump(x, z, 0.0, MOUTH_Z, 0.022, 0.0015, -0.004)                               # the line between
    out += _bump(x, z, 0.0, 0.055, 0.018, 0.013, 0.010)                                   # chin
    p[..., 1] -= out * front
    return p


def build() -> tuple[np.ndarray, list[list[int]]]:
    """(vertices [V, 3], faces): skin with eye openings and a mouth slit, then the two eyeballs."""
    theta = np.linspace(0, np.pi, RINGS + 1)
    phi = np.linspace(-np.pi, np.pi, SEGMENTS, endpoint=False)
    t, f = np.meshgrid(theta, phi, indexing="ij")
    grid = _surface(t, f)
    # one vertex per pole, SEGMENTS per ring between them
    index = np.zeros((RINGS + 1, SEGMENTS), dtype=np.int64)
    index[1:RINGS] = 1 + np.arange((RINGS - 1) * SEGMENTS).reshape(RINGS - 1, SEGMENTS)
    index[RINGS] = 1 + (RINGS - 1) * SEGMENTS
    verts = [grid[0, :1], grid[1:RINGS].reshape(-1, 3), grid[RINGS, :1]]
    count = 2 + (RINGS - 1) * SEGMENTS
    # the mouth slit: the ring nearest the mouth line gets, across the mouth, a second copy of its
    # vertices that the faces below it use (the corners stay joined)
    middle = SEGMENTS // 2
    ring = int(np.argmin(np.abs(grid[:, middle, 2] - MOUTH_Z)))
    front = np.abs(phi) < np.pi / 2
    slit = np.flatnonzero(front & (np.abs(grid[ring, :, 0]) < MOUTH_HALF_WIDTH))[1:-1]
    below = index[ring].copy()
    below[slit] = count + np.arange(len(slit))
    verts.append(grid[ring, slit])
    faces: list[list[int]] = []
    for i in range(RINGS):
        top = below if i == ring else index[i]
        bottom = index[i + 1]
        for j in range(SEGMENTS):
            k = (j + 1) % SEGMENTS
            centre = grid[i:i + 2][:, [j, k]].reshape(-1, 3).mean(0)
            if centre[1] < 0 and any(((centre[0] - side * EYE_X) / 0.0125) ** 2
                                     + ((centre[2] - EYE_Z) / 0.0058) ** 2 < 1 for side in (1, -1)):
                continue                                         # the eye openings
            quad = [int(top[j]), int(bottom[j]), int(bottom[k]), int(top[k])]
            faces.append(list(dict.fromkeys(quad)))              # the poles' quads are triangles
    skin = np.concatenate(verts)
    # eyeballs: UV spheres behind the openings
    out_v = [skin]
    offset = len(skin)
    er, es = 12, 16
    et = np.linspace(0, np.pi, er + 1)
    ep = np.linspace(0, 2 * np.pi, es, endpoint=False)
    tt, pp = np.meshgrid(et, ep, indexing="ij")
    unit = np.stack([np.sin(tt) * np.cos(pp), np.sin(tt) * np.sin(pp), np.cos(tt)], -1).reshape(-1, 3)
    eidx = np.arange((er + 1) * es).reshape(er + 1, es)
    for side in (1, -1):
        surface_y = _surface(np.array([np.arccos((EYE_Z - CENTRE[2]) / AXES[2])]),
                             np.array([np.arcsin(side * EYE_X / AXES[0])]))[0, 1]
        centre = np.array([side * EYE_X, surface_y + EYE_RADIUS * 0.95, EYE_Z])
        out_v.append(unit * EYE_RADIUS + centre)
        for i in range(er):
            for j in range(es):
                k = (j + 1) % es
                faces.append([int(offset + eidx[i, j]), int(offset + eidx[i + 1, j]),
                              int(offset + eidx[i + 1, k]), int(offset + eidx[i, k])])
        offset += len(unit)
    return np.concatenate(out_v), faces


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=Path)
    args = p.parse_args(argv)
    vertices, faces = build()
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write("# UniTAF primitive head (GPL-3.0-or-later), Z up, looking along -Y, metres\n")
        fh.writelines(f"v {x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in vertices)
        fh.writelines("f " + " ".join(str(i + 1) for i in face) + "\n" for face in faces)
    print(f"{args.out}: {len(vertices)} vertices, {len(faces)} faces")
    return 0


if __name__ == "__main__":
    sys.exit(main())
