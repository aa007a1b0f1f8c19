"""A three-character conversation through the headless batch, run as a TD would (the bpy wheel, the real
backend in rules mode): turns laid out in file order, --check printing the same layout, SIGTERM part-way
(exactly the landed rows saved, no orphan WAVs), re-runs that finish the rest, change nothing, or retake
only the edited row.
"""

from __future__ import annotations

import itertools
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_batch import BUILD_SCENE, REPO, run_batch, run_py

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

BATCH = REPO / "unitaf_blender" / "batch.py"
GAP = 12                                       # half a second at 24 fps: the default

SPEAKERS = ("Alice", "Bob", "Carol")
WORDS = ["Good morning.", "Did you sleep well?", "Not at all.", "Why not?", "The storm kept me up.",
         "I heard it too.", "It was loud.", "Coffee, anyone?", "Yes please.", "Make it strong.",
         "Here you go.", "Thank you.", "What is the plan today?", "We fix the roof.", "All of us?",
         "All of us.", "Fine by me.", "Then let us start.", "After breakfast.", "Agreed."]

INSPECT = r"""
import json, os, sys, bpy
sys.path.insert(0, sys.argv[-2])
from unitaf_blender.blender.lines import lines_of
bpy.ops.wm.open_mainfile(filepath=sys.argv[-1])
rows = []
for obj in bpy.data.objects:
    for ln in lines_of(obj):
        a = ln.action
        rows.append({"row": a.get("unitaf_row"), "id": a.get("unitaf_row_id"), "object": obj.name,
                     "start": ln.span.start, "end": ln.span.end, "wav": a["unitaf_wav"], "text": a["unitaf_line"]})
fakes = [a.name for a in bpy.data.actions if a.use_fake_user]
print("JSON" + json.dumps({"rows": sorted(rows, key=lambda r: r["row"]), "actions": len(bpy.data.actions),
                           "fake_users": fakes}))
"""


def csv_rows(edit: dict[int, str] | None = None) -> str:
    lines = ["id,object,text,after,emotion"]
    for i, words in enumerate(WORDS, 1):
        words = (edit or {}).get(i, words)
        after = "r9-6" if i == 10 else ""              # row 10 cuts in 6 frames before row 9 ends
        lines.append(f'r{i},{SPEAKERS[(i - 1) % 3]},"{words}",{after},{"happy" if i % 4 == 0 else ""}')
    return "\n".join(lines) + "\n"


def inspect(blend: Path) -> dict:
    proc = run_py(INSPECT, str(REPO), str(blend))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.split("JSON", 1)[1])


def wavs(folder: Path) -> set[str]:
    return {str(p) for p in folder.glob("*.wav")}


def check_layout(blend: Path, dialogue: Path, *options: str) -> dict[int, tuple[str, int, int]]:
    proc = run_batch(str(blend), "--dialogue", str(dialogue), "--check", *options)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    got = {}
    for line in proc.stdout.splitlines():
        if "] row " in line:
            row, rest = line.split("] row ", 1)[1].split(": ", 1)
            name, _, frames = rest.split(" ", 3)[:3]
            start, end = frames.lstrip("~").split("-")
            got[int(row)] = (name, int(start), int(end))
    return got


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    d = tmp_path_factory.mktemp("conversation")
    proc = run_py(BUILD_SCENE.replace('(("Alice", -1.5), ("Bob", 1.5))', '(("Alice", -1.5), ("Bob", 1.5), ("Carol", 0))'),
                  str(REPO), str(d / "scene.blend"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    (d / "talk.csv").write_text(csv_rows())
    return d


def test_check_lays_out_turns_without_a_backend(scene):
    layout = check_layout(scene / "scene.blend", scene / "talk.csv")
    assert sorted(layout) == list(range(1, 21))
    assert [layout[r][0] for r in range(1, 21)] == [SPEAKERS[(r - 1) % 3] for r in range(1, 21)]
    for r in range(2, 21):
        if r == 10:
            assert layout[10][1] == layout[9][2] + 1 + GAP - 6      # asked to cut in
        elif r != 11:
            assert layout[r][1] == max(layout[q][2] for q in range(1, r)) + 1 + GAP


def test_sigterm_saves_exactly_what_landed_and_reruns_finish_then_change_nothing(scene):
    d = scene
    out, audio = d / "out.blend", d / "unitaf_audio"
    proc = subprocess.Popen([sys.executable, str(BATCH), str(d / "scene.blend"), "--dialogue", str(d / "talk.csv"),
                             "--save", str(out), "--mode", "rules", "--no-overlap",
                             "--report", str(d / "killed.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(REPO))
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "[ 6/20]" in line:
            proc.send_signal(signal.SIGTERM)
            break
    rest, err = proc.communicate(timeout=300)
    log = "".join(seen) + rest
    assert proc.returncode == 130, log[-3000:] + err[-3000:]
    assert "interrupted: the lines that landed were saved" in log
    report = json.loads((d / "killed.json").read_text())
    landed = sorted(o["row"] for o in report["lines"] if o["ok"])
    assert 6 <= len(landed) < 20 and landed == list(range(1, len(landed) + 1))
    saved = inspect(out)
    assert [r["row"] for r in saved["rows"]] == landed                 # exactly the rows that landed
    assert wavs(audio) == {r["wav"] for r in saved["rows"]}            # no WAV without its line
    assert saved["fake_users"] == []
    assert not list(d.glob(".*.tmp.blend"))                             # no temp file left

    # Re-run: finishes the rest, no row twice.
    proc = run_batch(str(out), "--dialogue", str(d / "talk.csv"), "--save", str(out), "--mode", "rules",
                     "--report", str(d / "rerun.json"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rerun = json.loads((d / "rerun.json").read_text())
    assert (rerun["landed"], rerun["unchanged"]) == (20 - len(landed), len(landed))
    for r in landed:
        assert f"row {r}: " in proc.stdout and "unchanged (already in the scene)" in proc.stdout
    full = inspect(out)
    assert [r["row"] for r in full["rows"]] == list(range(1, 21))
    assert len({r["id"] for r in full["rows"]}) == 20 and full["actions"] == 20
    assert wavs(audio) == {r["wav"] for r in full["rows"]}
    assert (d / "out.blend1").exists()                                  # the previous save, kept

    # It plays as a conversation: file order, no overlaps except the row that asks to cut in.
    spans = [(r["start"], r["end"], r["row"]) for r in full["rows"]]
    for (s1, e1, r1), (s2, _e2, r2) in itertools.pairwise(spans):
        if r2 == 10:
            assert s2 == e1 + 1 + GAP - 6
        elif r2 != 11:
            assert s2 >= e1 + 1 + GAP, (r1, r2)
        assert s2 > s1
    assert {r: (name, s, e) for r, (name, s, e) in check_layout(out, d / "talk.csv", "--mode", "rules").items()} == {
        r["row"]: (r["object"], r["start"], r["end"]) for r in full["rows"]}     # --check: the same layout

    # Again: nothing to do, and it says so; the file is not rewritten.
    before = out.read_bytes()
    proc = run_batch(str(out), "--dialogue", str(d / "talk.csv"), "--save", str(out), "--mode", "rules")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "0 of 20 lines landed, 20 unchanged (already in the scene)" in proc.stdout
    assert "nothing changed, so nothing was saved" in proc.stdout
    assert out.read_bytes() == before

    # Edit one row's text: only that row is retaken, in its place; its old WAV goes; a longer take that
    # now reaches into the next turn says so.
    old = next(r for r in full["rows"] if r["row"] == 14)
    (d / "talk.csv").write_text(csv_rows({14: "We fix the roof first and then the fence and the old shed."}))
    proc = run_batch(str(out), "--dialogue", str(d / "talk.csv"), "--save", str(out), "--mode", "rules",
                     "--report", str(d / "edit.json"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    edit = json.loads((d / "edit.json").read_text())
    assert [(o["row"], o["status"]) for o in edit["lines"] if o["status"] != "unchanged"] == [(14, "retake")]
    row14 = next(o for o in edit["lines"] if o["row"] == 14)
    assert row14["frame_end"] > next(r["start"] for r in full["rows"] if r["row"] == 15)
    assert "the new take is longer and now overlaps row 15" in row14["message"]
    after = inspect(out)
    assert len(after["rows"]) == 20 and after["actions"] == 20
    new = next(r for r in after["rows"] if r["row"] == 14)
    assert new["start"] == old["start"] and "We fix the roof first and then" in new["text"]
    assert [r for r in after["rows"] if r["row"] != 14] == [r for r in full["rows"] if r["row"] != 14]
    assert wavs(audio) == {r["wav"] for r in after["rows"]} and old["wav"] not in wavs(audio)


IDLE_INSPECT = r"""
import json, sys, bpy
sys.path.insert(0, sys.argv[-2])
from unitaf_blender.blender.lines import idle_track, shape_key_anim
bpy.ops.wm.open_mainfile(filepath=sys.argv[-1])
print("JSON" + json.dumps({o.name: idle_track(shape_key_anim(o)) is not None for o in bpy.data.objects
                           if o.type == "MESH"}))
"""


def test_idle_fill_for_the_characters_asked_for(scene):
    d = scene
    (d / "short.csv").write_text("object,text\nAlice,Hello.\nBob,Hi.\nAlice,Bye.\n")
    out = d / "idle.blend"
    proc = run_batch(str(d / "scene.blend"), "--dialogue", str(d / "short.csv"), "--save", str(out),
                     "--mode", "rules", "--idle", "Alice")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "idle: Alice frames" in proc.stdout and "idle: Bob" not in proc.stdout
    got = run_py(IDLE_INSPECT, str(REPO), str(out))
    assert got.returncode == 0, got.stderr[-2000:]
    assert json.loads(got.stdout.split("JSON", 1)[1]) == {"Alice": True, "Bob": False, "Carol": False}


def test_a_changed_option_retakes_the_rows_it_shapes_and_says_why(scene, tmp_path):
    shutil.copy(scene / "scene.blend", tmp_path / "scene.blend")
    (tmp_path / "short.csv").write_text("object,text\nAlice,Hello.\nBob,Hi.\nAlice,Bye.\n")
    out = tmp_path / "out.blend"

    def again(*options):
        proc = run_batch(str(out if out.exists() else tmp_path / "scene.blend"), "--dialogue",
                         str(tmp_path / "short.csv"), "--save", str(out), "--mode", "rules", *options,
                         "--report", str(tmp_path / "report.json"))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        report = json.loads((tmp_path / "report.json").read_text())
        return proc.stdout, [(o["row"], o["status"], o["message"]) for o in report["lines"]]

    first_out, first = again()
    assert [s for _r, s, _m in first] == ["new"] * 3
    before = inspect(out)
    _log, same = again()
    assert [s for _r, s, _m in same] == ["unchanged"] * 3
    log, marked = again("--markers", "words")
    assert [(r, s) for r, s, _m in marked] == [(1, "retake"), (2, "retake"), (3, "retake")]
    assert all(m.startswith("changed --markers none -> words") for _r, _s, m in marked)
    assert log.count("retake  (changed --markers none -> words") == 3
    after = inspect(out)
    assert [(r["row"], r["object"], r["start"]) for r in after["rows"]] \
        == [(r["row"], r["object"], r["start"]) for r in before["rows"]]      # in place, no duplicates
    assert after["actions"] == before["actions"] == 3 and after["fake_users"] == []
    _log, settled = again("--markers", "words")
    assert [s for _r, s, _m in settled] == ["unchanged"] * 3


IDLE_SPANS = r"""
import json, sys, bpy
sys.path.insert(0, sys.argv[-2])
from unitaf_blender.blender.lines import idle_track, lines_of, shape_key_anim
bpy.ops.wm.open_mainfile(filepath=sys.argv[-1])
out = {}
for o in bpy.data.objects:
    anim = shape_key_anim(o) if o.type == "MESH" else None
    if anim is None:
        continue
    idle = [t for t in anim.nla_tracks if t == idle_track(anim)]
    out[o.name] = {"idle": [(t.strips[0].frame_start, t.strips[0].frame_end) for t in idle],
                   "idle_actions": sum(1 for a in bpy.data.actions if a.get("unitaf_idle") == o.name),
                   "lines_end": max((s.frame_end for ln in lines_of(o) for s in ln.track.strips), default=0)}
print("JSON" + json.dumps(out))
"""


def test_idle_fill_is_renewed_when_rows_are_added_never_duplicated(scene, tmp_path):
    shutil.copy(scene / "scene.blend", tmp_path / "scene.blend")
    rows = ["object,text", "Alice,Hello.", "Bob,Hi.", "Alice,Bye."]
    (tmp_path / "talk.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "out.blend"

    def run(*options):
        proc = run_batch(str(out if out.exists() else tmp_path / "scene.blend"), "--dialogue",
                         str(tmp_path / "talk.csv"), "--save", str(out), "--mode", "rules", *options)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        got = run_py(IDLE_SPANS, str(REPO), str(out))
        assert got.returncode == 0, got.stderr[-2000:]
        return proc.stdout, json.loads(got.stdout.split("JSON", 1)[1])

    log, first = run("--idle", "Alice")
    assert "idle: Alice frames" in log and first["Alice"]["idle_actions"] == 1
    assert first["Alice"]["idle"][0][1] >= first["Alice"]["lines_end"]

    # Rows added past the scene's end (frames 1-100): the next run, with or without --idle, renews it.
    rows += [f"Alice,{w}" for w in ("One more thing about the storm last night.", "And the roof and the fence.",
                                    "And then the old shed by the river too.")]
    (tmp_path / "talk.csv").write_text("\n".join(rows) + "\n")
    log, grown = run()
    assert grown["Alice"]["lines_end"] > first["Alice"]["idle"][0][1]          # the new lines reach past it
    assert "idle: Alice frames" in log and "renewed: idle motion covers frames" in log
    assert grown["Alice"]["idle_actions"] == 1 and len(grown["Alice"]["idle"]) == 1
    assert grown["Alice"]["idle"][0][1] >= grown["Alice"]["lines_end"]
    assert grown["Bob"]["idle"] == []

    # Again: nothing to renew, nothing changed; another --seed renews it once more, still one.
    log, same = run("--idle", "Alice")
    assert "idle:" not in log and "nothing changed, so nothing was saved" in log
    log, reseeded = run("--idle", "Alice", "--seed", "5")
    assert "renewed: --seed 0 -> 5" in log and reseeded["Alice"]["idle_actions"] == 1
