"""Where the reference head's file lives and how its arrays become mesh data (no bpy here).

The file is `reference_head.npz` (format: docs/head.md), built by tools/build_head.py into the backend's
`backend/unitaf_backend/data/head/`. The extension build copies HEAD_FILES from there into the add-on's
own `data/` folder, which is looked at first; a development checkout falls back to the backend's folder.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEAD_FILE = "reference_head.npz"
# What the extension build copies from backend/unitaf_backend/data/head/ into unitaf_blender/data/.
HEAD_FILES: tuple[str, ...] = (HEAD_FILE, "LICENSE-CC0.txt", "CREDITS.md")
ADDON_DIR = Path(__file__).resolve().parents[1]
FORMAT_VERSION = 1


def backend_head_dir(addon_dir: Path = ADDON_DIR) -> Path:
    """The backend's head folder in a development checkout (the add-on folder's sibling `backend/`)."""
    return addon_dir.parent / "backend" / "unitaf_backend" / "data" / "head"


def head_search_paths(addon_dir: Path = ADDON_DIR) -> tuple[Path, ...]:
    """Candidate locations of the head file, in the order they are tried."""
    return (addon_dir / "data" / HEAD_FILE, backend_head_dir(addon_dir) / HEAD_FILE)


def find_head_file(addon_dir: Path = ADDON_DIR) -> Path:
    """The first existing head file; FileNotFoundError naming every place looked at."""
    for path in head_search_paths(addon_dir):
        if path.is_file():
            return path
    tried = ", ".join(str(p) for p in head_search_paths(addon_dir))
    raise FileNotFoundError(f"the reference head file {HEAD_FILE} is missing (looked in: {tried})")


@dataclass(frozen=True)
class HeadMeshData:
    """What Blender needs to build the head: geometry, UVs, materials, masks and the 52 keys."""

    vertices: np.ndarray          # float32 [V, 3] basis (metres, Z up, face towards -Y)
    polygon_sizes: np.ndarray     # int32 [F] 3 or 4
    loop_vertices: np.ndarray     # int32 [L] polygon corners, polygon after polygon
    loop_uvs: np.ndarray          # float32 [L, 2]
    polygon_material: np.ndarray  # int32 [F] index into materials
    materials: tuple[str, ...]    # skin, tongue, teeth, eye
    channels: tuple[str, ...]     # the 52 ARKit names in Apple's order
    key_offsets: np.ndarray       # float32 [52, V, 3]
    vertex_weights: dict[str, np.ndarray]  # float32 [V] masks for the material (lips, mouth_inside)
    eye_centres: np.ndarray       # float32 [2, 3] left (+x), right eyeball centre
    eye_radius: float

    @property
    def polygons(self) -> list[tuple[int, ...]]:
        """Polygons as vertex-index tuples (for Mesh.from_pydata)."""
        starts = np.concatenate([[0], np.cumsum(self.polygon_sizes)[:-1]])
        return [tuple(int(v) for v in self.loop_vertices[s:s + n]) for s, n in zip(starts, self.polygon_sizes)]

    def key_coordinates(self, index: int) -> np.ndarray:
        """float32 [V, 3] absolute positions of shape key `index` at weight 1."""
        return self.vertices + self.key_offsets[index]


def mesh_data_from_arrays(arrays: dict[str, np.ndarray]) -> HeadMeshData:
    """Decode the .npz arrays (ValueError when they are not a head of the supported format)."""
    try:
        version = int(arrays["format_version"])
        if version != FORMAT_VERSION:
            raise ValueError(f"reference head format {version} is not supported (expected {FORMAT_VERSION})")
        vertices = np.asarray(arrays["basis"], dtype=np.float32)
        faces = np.asarray(arrays["faces"], dtype=np.int32)
        face_uvs = np.asarray(arrays["face_uvs"], dtype=np.int32)
        uvs = np.asarray(arrays["uvs"], dtype=np.float32)
        channels = tuple(str(c) for c in arrays["channels"])
        offsets = np.zeros((len(channels), *vertices.shape), dtype=np.float32)
        offsets[arrays["offset_key"], arrays["offset_vertex"]] = arrays["offset_delta"]
        corner = faces >= 0
        if faces.ndim != 2 or faces.shape[1] != 4 or faces.max() >= len(vertices):
            raise ValueError("reference head faces are malformed")
        return HeadMeshData(
            vertices=vertices,
            polygon_sizes=corner.sum(axis=1).astype(np.int32),
            loop_vertices=faces[corner],
            loop_uvs=uvs[face_uvs[corner]],
            polygon_material=np.asarray(arrays["face_material"], dtype=np.int32),
            materials=tuple(str(m) for m in arrays["materials"]),
            channels=channels,
            key_offsets=offsets,
            vertex_weights={
                "lips": np.asarray(arrays["lips_weight"], dtype=np.float32) / 255.0,
                "mouth_inside": np.asarray(arrays["mouth_inside_weight"], dtype=np.float32) / 255.0,
            },
            eye_centres=np.asarray(arrays["eye_centres"], dtype=np.float32),
            eye_radius=float(arrays["eye_radius"]),
        )
    except (KeyError, IndexError) as err:
        raise ValueError(f"reference head file is incomplete or corrupt: {err}") from err


def load_head_mesh_data(path: Path | None = None) -> HeadMeshData:
    """Read and decode the head file (the add-on's own copy first, else the checkout's backend copy)."""
    path = find_head_file() if path is None else path
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, ValueError) as err:
        raise ValueError(f"reference head file {path} is unreadable: {err}") from err
    return mesh_data_from_arrays(arrays)
