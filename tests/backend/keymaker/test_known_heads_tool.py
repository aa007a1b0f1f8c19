"""The measurement command of docs/keymaker.md, on one re-meshed head: it prints the row and its
--check passes (median <= 0.15, p95 <= 0.4, lips and lids closed under 1 mm)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from unitaf_backend.keymaker.testheads import RECIPES, build_test_head

TOOL = Path(__file__).resolve().parents[3] / "tools" / "keymaker_heads.py"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("keymaker_heads", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_set_has_eight_heads_four_remeshed_with_other_vertex_counts():
    heads = [build_test_head(r) for r in RECIPES]
    assert len(heads) >= 8
    remeshed = [h for h in heads if h.source.shape[0] != h.source.shape[1]]
    assert len(remeshed) >= 4 and all(len(h.vertices) not in (4286,) for h in remeshed)
    for h in remeshed:     # the truth is the re-meshing of the true posed head, vertex for vertex
        assert h.true_offsets.shape == (52, len(h.vertices), 3)


def test_one_remeshed_head_row_and_check(tool, capsys):
    assert tool.main(["--heads", "long-face-loop", "--check"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| long-face-loop"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "17,095" and cells[2] == "yes"
    assert float(cells[3]) <= 0.15 and float(cells[4]) <= 0.4
    assert float(cells[6]) < 1.0 and float(cells[7]) < 1.0
    assert "missed" not in out


def test_unknown_head_is_one_line(tool, capsys):
    assert tool.main(["--heads", "nobody"]) == 2
    assert "unknown head" in capsys.readouterr().err
