"""Reading a Wavefront OBJ mesh (positions and polygons only) for the key maker."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import BadInput


def read_obj(path: Path) -> tuple[np.ndarray, list[list[int]]]:
    """(vertices [V, 3], polygons as 0-based index lists). Every object and group of the file is kept."""
    vertices: list[list[float]] = []
    polygons: list[list[int]] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, 1):
                if line.startswith("v "):
                    fields = line.split()
                    if len(fields) < 4:
                        raise BadInput(f"{path.name}:{number}: a vertex needs x y z")
                    vertices.append([float(x) for x in fields[1:4]])
                elif line.startswith("f "):
                    poly = []
                    for corner in line.split()[1:]:
                        i = int(corner.split("/")[0])
                        poly.append(i - 1 if i > 0 else len(vertices) + i)
                    if len(poly) >= 3:
                        polygons.append(poly)
    except FileNotFoundError as err:
        raise BadInput(f"no such file: {path}") from err
    except (OSError, UnicodeError) as err:
        raise BadInput(f"cannot read {path}: {err}") from err
    except ValueError as err:
        raise BadInput(f"{path.name} is not a readable OBJ file ({err})") from err
    if not vertices or not polygons:
        raise BadInput(f"{path.name} has no mesh (no vertices or no faces)")
    return np.asarray(vertices, dtype=np.float64), polygons
