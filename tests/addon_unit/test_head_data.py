"""unitaf_blender.core.head_data: where the head file is found and how it becomes mesh data (no bpy)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from unitaf_blender.core import head_data
from unitaf_blender.core.head_data import (
    HEAD_FILE,
    HEAD_FILES,
    backend_head_dir,
    find_head_file,
    load_head_mesh_data,
    mesh_data_from_arrays,
)

REPO = Path(__file__).resolve().parents[2]


def test_dev_checkout_finds_the_backend_copy():
    assert backend_head_dir() == REPO / "backend" / "unitaf_backend" / "data" / "head"
    for name in HEAD_FILES:
        assert (backend_head_dir() / name).is_file(), f"{name} is missing from the backend's head folder"
    if not (REPO / "unitaf_blender" / "data" / HEAD_FILE).exists():
        assert find_head_file() == backend_head_dir() / HEAD_FILE


def test_the_add_on_copy_wins(tmp_path):
    addon = tmp_path / "unitaf_blender"
    (addon / "data").mkdir(parents=True)
    dev = tmp_path / "backend" / "unitaf_backend" / "data" / "head"
    dev.mkdir(parents=True)
    (dev / HEAD_FILE).write_bytes(b"dev")
    assert find_head_file(addon) == dev / HEAD_FILE
    (addon / "data" / HEAD_FILE).write_bytes(b"shipped")
    assert find_head_file(addon) == addon / "data" / HEAD_FILE


def test_missing_file_names_every_place_looked_at(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        find_head_file(tmp_path / "unitaf_blender")
    assert str(tmp_path / "unitaf_blender" / "data") in str(err.value)
    assert "backend" in str(err.value)


def test_mesh_data_matches_the_file():
    data = load_head_mesh_data()
    with np.load(find_head_file()) as npz:
        faces = npz["faces"]
        assert data.vertices.shape == npz["basis"].shape
        assert len(data.channels) == 52 and data.channels[17] == "jawOpen"
        assert data.polygon_sizes.sum() == len(data.loop_vertices) == len(data.loop_uvs)
        assert set(data.polygon_sizes.tolist()) == {3, 4}
        assert data.polygons[0] == tuple(int(v) for v in faces[0] if v >= 0)
        k = list(data.channels).index("jawOpen")
        rows = npz["offset_key"] == k
        np.testing.assert_array_equal(data.key_coordinates(k)[npz["offset_vertex"][rows]],
                                      npz["basis"][npz["offset_vertex"][rows]] + npz["offset_delta"][rows])
    assert data.materials == ("skin", "tongue", "teeth", "eye", "hair")
    assert set(data.vertex_weights) == {"lips", "mouth_inside"}
    assert data.eye_centres.shape == (2, 3) and data.eye_centres[0, 0] > 0 and 0.01 < data.eye_radius < 0.02
    for weights in data.vertex_weights.values():
        assert weights.min() >= 0.0 and weights.max() <= 1.0 and weights.max() > 0.5


def test_corrupt_files_raise_value_error(tmp_path):
    bad = tmp_path / HEAD_FILE
    bad.write_bytes(b"garbage")
    with pytest.raises(ValueError):
        load_head_mesh_data(bad)
    with np.load(find_head_file()) as npz:
        arrays = {name: npz[name] for name in npz.files}
    del arrays["faces"]
    with pytest.raises(ValueError, match="faces"):
        mesh_data_from_arrays(arrays)
    arrays = {**arrays, "faces": np.zeros((1, 4), np.int32), "format_version": np.array(99)}
    with pytest.raises(ValueError, match="format 99"):
        mesh_data_from_arrays(arrays)


def test_a_copied_folder_works_like_the_extension(tmp_path):
    addon = tmp_path / "unitaf_blender"
    (addon / "data").mkdir(parents=True)
    for name in HEAD_FILES:
        shutil.copy(backend_head_dir() / name, addon / "data" / name)
    path = find_head_file(addon)
    assert path.parent == addon / "data"
    assert load_head_mesh_data(path).vertices.shape[0] == load_head_mesh_data().vertices.shape[0]
    assert head_data.ADDON_DIR.name == "unitaf_blender"
