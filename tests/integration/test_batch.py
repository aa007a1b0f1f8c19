"""The headless batch on a 10-line dialogue, run as a script with the bpy wheel (as a TD would).

Mixed text and WAV lines, one bad row, the per-character layout: nine lines land where the layout says, the
bad row is reported with its number, the exit code is 1, the saved .blend reloads with every action and
strip, and a second run finds every row already there; --replace swaps only what batch runs made.
(The conversation layout, resuming after SIGTERM and retakes: test_batch_conversation.py.)
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
BATCH = REPO / "unitaf_blender" / "batch.py"
GAP = 6

BUILD_SCENE = r"""
import sys, bpy
sys.path.insert(0, sys.argv[-2])
from unitaf_blender.core.channels import ARKIT_CHANNELS
bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
scene.render.fps, scene.render.fps_base = 24, 1.0
scene.frame_start, scene.frame_end = 1, 100
for name, x in (("Alice", -1.5), ("Bob", 1.5)):
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=4, y_subdivisions=4, location=(x, 0, 0))
    obj = bpy.context.object
    obj.name = name
    obj.shape_key_add(name="Basis")
    for i, channel in enumerate(ARKIT_CHANNELS):
        kb = obj.shape_key_add(name=channel)
        kb.data[i % len(kb.data)].co.z += 0.1
bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])
"""

INSPECT = r"""
import json, os, sys, bpy
sys.path.insert(0, sys.argv[-2])
from unitaf_blender.blender.compat import all_strips
from unitaf_blender.blender.writer import fcurves_of
bpy.ops.wm.open_mainfile(filepath=sys.argv[-1])
scene = bpy.context.scene
out = {"actions": {}, "nla": {}, "sounds": {}, "frame_end": scene.frame_end}
for a in bpy.data.actions:
    curves = fcurves_of(a)
    out["actions"][a.name] = {"batch": a.get("unitaf_batch"), "object": a.get("unitaf_batch_object"),
                              "fcurves": len(curves), "keys": a["unitaf_body_keys"]}
for obj in bpy.data.objects:
    key = obj.data.shape_keys if obj.type == "MESH" else None
    if key is None or key.animation_data is None:
        continue
    out["nla"][obj.name] = sorted((s.action.name, s.action["unitaf_start_frame"], s.action["unitaf_frame_end"])
                                  for t in key.animation_data.nla_tracks for s in t.strips)
for s in all_strips(scene.sequence_editor) if scene.sequence_editor else []:
    path = bpy.path.abspath(s.sound.filepath)
    out["sounds"][s.name] = {"start": s.frame_final_start, "end": s.frame_final_end, "channel": s.channel,
                             "exists": os.path.isfile(path), "relative": s.sound.filepath.startswith("//"),
                             "batch": s.get("unitaf_batch")}
print("JSON" + json.dumps(out))
"""


def run_py(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script, *args], check=False, capture_output=True, text=True,
                          timeout=300)


def run_batch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BATCH), *args], check=False, capture_output=True, text=True,
                          timeout=600, cwd=str(REPO))


def inspect(blend: Path) -> dict:
    proc = run_py(INSPECT, str(REPO), str(blend))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.split("JSON", 1)[1])


def write_wav(path: Path, text: str) -> float:
    """A recording for the audio lines: speak it with the backend, keep only the sound."""
    import soundfile as sf
    from unitaf_backend.pipeline import SpeakRequest, speak
    face = speak(SpeakRequest(text=text, fps=24.0, mode="rules"))
    sf.write(str(path), face.audio, face.sample_rate, subtype="PCM_16")
    return len(face.audio) / face.sample_rate


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("batch")
    scene = d / "scene.blend"
    proc = run_py(BUILD_SCENE, str(REPO), str(scene))
    assert proc.returncode == 0, proc.stderr[-2000:]
    (d / "takes").mkdir()
    write_wav(d / "takes" / "alice_take.wav", "I found the key under the mat.")
    write_wav(d / "takes" / "bob_take.wav", "Then open the door.")
    rows = [
        "object,start,text,audio,transcript,emotion,intensity,voice",
        "Alice,1,Good morning Bob.,,,happy,0.8,",                         # 1
        "Bob,,Morning. Did you sleep well?,,,,,",                          # 2
        "Alice,,,takes/alice_take.wav,I found the key under the mat.,auto,,",  # 3: emotion heard
        "Alice,,Not really.,,,sad,0.5,",                                   # 4
        "Bob,200,,takes/bob_take.wav,Look out behind you.,angry,,",        # 5: not what the take says
        "Bob,,Wait. What was that?,,,surprised,,",                         # 6
        "Alice,,This row is bad.,,,furious,,",                             # 7: unknown emotion
        "Alice,400,Nothing. Just the wind.,,,calm,,",                      # 8
        "Bob,,I hate this house.,,,disgusted,0.6,",                        # 9
        "Alice,,Let us go.,,,,,",                                          # 10
    ]
    (d / "lines.csv").write_text("\n".join(rows) + "\n")
    (d / "out").mkdir()                          # the batch makes no folders for its outputs
    out = d / "out" / "out.blend"
    proc = run_batch(str(scene), "--dialogue", str(d / "lines.csv"), "--save", str(out), "--gap", str(GAP),
                     "--mode", "rules", "--layout", "per-character", "--report", str(d / "report1.json"))
    return d, out, proc, json.loads((d / "report1.json").read_text())


def test_nine_lines_land_and_the_bad_row_is_reported(first_run):
    _, _, proc, report = first_run
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "row 7: FAILED: unknown emotion 'furious'" in proc.stdout
    [row5] = [ln for ln in proc.stdout.splitlines() if "row 5: " in ln]
    assert "the transcript does not seem to match the recording" in row5 and "used anyway" in row5
    assert "9 of 10 lines landed, 1 failed (row 7)" in proc.stdout
    for row in range(1, 11):
        assert f"row {row}: " in proc.stdout                      # progress for every row, in order
    assert [(o["row"], o["ok"]) for o in report["lines"]] == [(r, r != 7) for r in range(1, 11)]


def test_placement_follows_the_dialogue(first_run):
    _, _, _, report = first_run
    line = {o["row"]: o for o in report["lines"] if o["ok"]}
    for row, start in ((1, 1), (5, 200), (8, 400)):                # explicit starts, all free
        assert line[row]["frame_start"] == start
    assert line[2]["frame_start"] == 1                             # Bob's first line: the scene start
    for prev, row in ((1, 3), (3, 4), (8, 10), (5, 6), (6, 9)):     # empty start: previous line + gap
        assert line[row]["frame_start"] == line[prev]["frame_end"] + GAP
    for o in line.values():
        assert o["frame_end"] - o["frame_start"] >= round(o["duration"] * 24)
        assert o["action"] and o["sound_strip"]


def test_saved_blend_reloads_with_every_action_and_strip(first_run):
    _, out, _, report = first_run
    got = inspect(out)
    landed = [o for o in report["lines"] if o["ok"]]
    for o in landed:
        action = got["actions"][o["action"]]
        assert action["batch"] and action["object"] == o["object"]
        assert action["fcurves"] == 52
        assert abs(action["keys"] - (o["frame_end"] - o["frame_start"])) <= 1
        assert (o["action"], o["frame_start"], o["frame_end"] - 1) in [tuple(x) for x in got["nla"][o["object"]]]
        sound = got["sounds"][o["sound_strip"]]
        assert sound["exists"] and sound["relative"] and sound["batch"]
        assert sound["start"] == o["frame_start"]
        assert abs((sound["end"] - sound["start"]) - o["duration"] * 24) <= 1.5
    for spans in got["nla"].values():                               # no overlaps on any object
        spans = sorted((s, e) for _, s, e in spans)
        assert all(e1 < s2 for (_, e1), (s2, _) in itertools.pairwise(spans))
    assert got["frame_end"] >= max(o["frame_end"] - 1 for o in landed)


def test_second_run_finds_every_row_there_and_replace_swaps_them(first_run):
    d, out, _, _ = first_run
    out2 = d / "out" / "out2.blend"
    proc = run_batch(str(out), "--dialogue", str(d / "lines.csv"), "--save", str(out2), "--gap", str(GAP),
                     "--mode", "rules", "--layout", "per-character", "--report", str(d / "report2.json"))
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]     # row 7 is still bad
    report2 = json.loads((d / "report2.json").read_text())
    assert (report2["landed"], report2["unchanged"]) == (0, 9)
    assert "0 of 10 lines landed, 9 unchanged (already in the scene), 1 failed (row 7)" in proc.stdout
    before, after = inspect(out), inspect(out2)
    assert after["actions"] == before["actions"] and after["nla"] == before["nla"]   # nothing added twice
    assert set(after["sounds"]) == set(before["sounds"])

    (d / "short.csv").write_text("object,text\nAlice,Once more.\n")   # replaces Alice's lines only
    out3 = d / "out" / "out3.blend"
    proc = run_batch(str(out2), "--dialogue", str(d / "short.csv"), "--save", str(out3), "--replace",
                     "--mode", "rules", "--no-overlap")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "removed 5 earlier batch result(s)" in proc.stdout            # rows 1, 3, 4, 8, 10
    final = inspect(out3)
    assert len(final["actions"]) == 5 and len(final["sounds"]) == 5
    assert [s[1] for s in final["nla"]["Alice"]] == [1]
    assert final["nla"]["Bob"] == after["nla"]["Bob"]                   # Bob's four lines are untouched


BLENDER_STYLE = r"""
import runpy, sys, bpy
blend, script = sys.argv[1], sys.argv[2]
bpy.ops.wm.open_mainfile(filepath=blend)          # what `blender -b scene.blend` does before --python
sys.argv = ["blender", "-b", blend, "--python", script, "--", *sys.argv[3:]]
runpy.run_path(script, run_name="__main__")         # how Blender runs a --python script
"""


def test_runs_the_way_blender_runs_a_python_script(first_run):
    d = first_run[0]
    (d / "one.csv").write_text("object,text\nBob,Hello from inside Blender.\n")
    out = d / "out" / "blender_style.blend"
    proc = subprocess.run(
        [sys.executable, "-c", BLENDER_STYLE, str(d / "scene.blend"), str(BATCH), "--dialogue", str(d / "one.csv"),
         "--save", str(out), "--mode", "rules"],
        check=False, capture_output=True, text=True, timeout=300, cwd=str(d))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "1 of 1 lines landed" in proc.stdout
    got = inspect(out)
    assert [a["object"] for a in got["actions"].values()] == ["Bob"]
    assert got["nla"]["Bob"][0][1] == 1


def test_a_run_that_cannot_start_says_why_and_writes_nothing(tmp_path):
    out = tmp_path / "out.blend"
    proc = run_batch(str(tmp_path / "missing.blend"), "--dialogue", str(tmp_path / "x.csv"), "--save", str(out))
    assert proc.returncode == 2 and ".blend file not found" in proc.stderr
    scene = tmp_path / "scene.blend"
    assert run_py(BUILD_SCENE, str(REPO), str(scene)).returncode == 0
    proc = run_batch(str(scene), "--dialogue", str(tmp_path / "x.csv"), "--save", str(out))
    assert proc.returncode == 2 and "dialogue file not found" in proc.stderr
    (tmp_path / "bad.csv").write_text("speaker,line\nAlice,Hi\n")
    proc = run_batch(str(scene), "--dialogue", str(tmp_path / "bad.csv"), "--save", str(out))
    assert proc.returncode == 2 and "unknown column(s) in the header: speaker, line" in proc.stderr
    assert not out.exists()


def test_check_reports_bad_rows_without_a_backend_or_saving(first_run):
    d = first_run[0]
    lines = (d / "lines.csv").read_text().splitlines()
    lines[2] = lines[2].replace("Bob,", "Nobody,", 1)                  # row 2: no such object
    (d / "check.csv").write_text("\n".join(lines) + "\n")
    before = (d / "scene.blend").stat().st_mtime_ns
    proc = run_batch(str(d / "scene.blend"), "--dialogue", str(d / "check.csv"), "--check")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "row 2: FAILED: no object named 'Nobody' in the scene" in proc.stdout
    assert "row 7: FAILED: unknown emotion 'furious'" in proc.stdout
    assert "8 of 10 rows are fine, 2 not (row(s) 2, 7)" in proc.stdout
    assert (d / "scene.blend").stat().st_mtime_ns == before
