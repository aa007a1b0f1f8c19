"""Dialogue files and timeline layout for the batch (pure: runs without bpy)."""

from __future__ import annotations

import itertools
import json
import wave

import pytest

from unitaf_blender.core.dialogue import (
    COLUMNS,
    Anchor,
    ConversationLayout,
    DialogueError,
    LayoutError,
    PerCharacterLayout,
    TimelineLayout,
    default_gap,
    frames_for,
    parse_csv,
    parse_json,
    read_dialogue,
)

HEADER = "object,start,text,audio,transcript,emotion,intensity,voice"     # the columns rows below fill


def tiny_wav(path, seconds: float = 0.5, rate: int = 16000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))


def test_columns_are_the_documented_ones():
    assert set(HEADER.split(",")) | {"id", "overlap", "after"} == set(COLUMNS)


def test_csv_defaults_and_values(tmp_path):
    tiny_wav(tmp_path / "take1.wav")
    content = (
        f"{HEADER}\n"
        "Alice,10,Hello there.,,,happy,0.8,joe\n"
        "Bob,,,take1.wav,So it begins,,,\n"
        ",,Who am I?,,,,,\n"
    )
    d = parse_csv(content, str(tmp_path), default_object="Narrator")
    assert d.problems == []
    a, b, c = d.lines
    assert (a.row, a.object, a.start, a.text, a.audio, a.emotion, a.intensity, a.voice) == (
        1, "Alice", 10, "Hello there.", None, "happy", 0.8, "joe")
    assert b.object == "Bob" and b.start is None and b.text is None
    assert b.audio == str(tmp_path / "take1.wav") and b.transcript == "So it begins"
    assert (b.emotion, b.intensity, b.voice) == ("neutral", 1.0, None)
    assert c.object == "Narrator" and c.row == 3


def test_csv_header_in_any_order_and_missing_columns():
    d = parse_csv("text,object\nHi,Face\n\n  \nBye,Face\n", "/tmp")
    assert [(l.row, l.text) for l in d.lines] == [(1, "Hi"), (2, "Bye")]   # blank lines are not rows


@pytest.mark.parametrize("row, message", [
    ("Face,,,,,,,", "nothing to say"),
    ("Face,,Hi,x.wav,,,,", "not both"),
    (",,Hi,,,,,", "no object"),
    ("Face,abc,Hi,,,,,", "start must be a frame number"),
    ("Face,1.5,Hi,,,,,", "whole frame"),
    ("Face,,Hi,,,furious,,", "unknown emotion 'furious'"),
    ("Face,,Hi,,,auto,,", "heard from a recording"),
    ("Face,,Hi,,,happy,1.5,", "between 0 and 1"),
    ("Face,,Hi,,,happy,nan,", "between 0 and 1"),
    ("Face,,Hi,,,happy,lots,", "intensity must be a number"),
    ("Face,,,missing.wav,,,,", "audio file not found"),
    ("Face,,,take.mp3,,,,", "must be a .wav"),
    ("Face,,Hi,,words,,,", "transcript"),
    ("Face,,Hi,,,,,,,extra", "cells but the header has"),
])
def test_bad_rows_are_reported_with_their_row_and_others_kept(tmp_path, row, message):
    content = f"{HEADER}\nFace,,Good line,,,,,\n{row}\nFace,,Another,,,,,\n"
    d = parse_csv(content, str(tmp_path))
    assert [l.row for l in d.lines] == [1, 3]
    assert len(d.problems) == 1 and d.problems[0].row == 2
    assert message in d.problems[0].message
    assert str(d.problems[0]).startswith("row 2: ")


def test_an_audio_row_may_ask_for_the_emotion_heard(tmp_path):
    tiny_wav(tmp_path / "take.wav")
    d = parse_csv(f"{HEADER}\nFace,,,take.wav,,Auto,,\n", str(tmp_path))
    assert not d.problems and d.lines[0].emotion == "auto"


def test_bad_header_is_one_clear_error():
    with pytest.raises(DialogueError, match="unknown column.*speaker"):
        parse_csv("speaker,text\nA,Hi\n", "/tmp")
    with pytest.raises(DialogueError, match="named twice"):
        parse_csv("text,text\nA,B\n", "/tmp")
    with pytest.raises(DialogueError, match="empty"):
        parse_csv("\n\n", "/tmp")


def test_json_same_fields(tmp_path):
    lines = [
        {"object": "Face", "start": 5, "text": "Hi", "emotion": "Sad", "intensity": 0.5},
        {"object": "Face", "text": "Again", "voice": None, "start": None},
        {"object": "Face", "txt": "typo"},
        "not an object",
    ]
    d = parse_json(json.dumps({"lines": lines}), str(tmp_path))
    assert [(l.row, l.start, l.emotion, l.intensity) for l in d.lines] == [(1, 5, "sad", 0.5), (2, None, "neutral", 1.0)]
    assert [(p.row, "unknown field" in p.message or "JSON object" in p.message) for p in d.problems] == [
        (3, True), (4, True)]
    with pytest.raises(DialogueError, match="not valid"):
        parse_json("{", "/tmp")
    with pytest.raises(DialogueError, match="must be a list"):
        parse_json('{"a": 1}', "/tmp")


def test_read_dialogue_by_suffix_and_relative_audio(tmp_path):
    sub = tmp_path / "takes"
    sub.mkdir()
    tiny_wav(sub / "a.wav")
    (tmp_path / "lines.csv").write_text("\ufeffobject,audio\nFace,takes/a.wav\n", encoding="utf-8")
    d = read_dialogue(tmp_path / "lines.csv")
    assert d.lines[0].audio == str(sub / "a.wav")
    (tmp_path / "lines.json").write_text('[{"object": "Face", "audio": "takes/a.wav"}]')
    assert read_dialogue(tmp_path / "lines.json").lines[0].audio == str(sub / "a.wav")
    with pytest.raises(DialogueError, match="not found"):
        read_dialogue(tmp_path / "nope.csv")
    (tmp_path / "lines.xlsx").write_text("x")
    with pytest.raises(DialogueError, match=".csv or .json"):
        read_dialogue(tmp_path / "lines.xlsx")


def test_frames_and_gap():
    assert frames_for(1.0, 24) == 24
    assert frames_for(1.01, 24) == 25
    assert frames_for(0.0, 24) == 1
    assert default_gap(24) == 12 and default_gap(30) == 15


def test_layout_chains_lines_per_object_with_a_gap():
    lay = TimelineLayout(first_frame=1, gap=10)
    p = lay.place("A", None, 20)
    assert (p.start, p.end, p.moved) == (1, 21, False)
    lay.reserve("A", p.start, p.end)
    p = lay.place("A", None, 5)
    assert (p.start, p.end) == (31, 36)
    lay.reserve("A", p.start, p.end)
    q = lay.place("B", None, 5)            # other objects have their own timeline
    assert q.start == 1


def test_layout_explicit_start_is_kept_when_free_and_pushed_when_it_overlaps():
    lay = TimelineLayout(first_frame=1, gap=4)
    lay.reserve("A", 100, 150)
    p = lay.place("A", 10, 20)             # before the existing line: free
    assert (p.start, p.moved) == (10, False)
    lay.reserve("A", p.start, p.end)
    p = lay.place("A", 140, 20)            # overlaps 100..150 -> after it plus the gap
    assert (p.start, p.end, p.moved, p.requested) == (154, 174, True, 140)
    lay.reserve("A", p.start, p.end)
    p = lay.place("A", 90, 20)             # would overlap 100..150 and then 154..174
    assert p.start == 178
    # "after the previous line" is the previous line placed on this object, in file order
    lay2 = TimelineLayout(first_frame=1, gap=2)
    lay2.reserve("A", 200, 210)
    lay2.reserve("A", 0, 10)
    assert lay2.place("A", None, 5).start == 12


def test_layout_starts_after_existing_results():
    lay = TimelineLayout(first_frame=1, gap=12, occupied={"A": [(1, 50), (62, 90)]})
    assert lay.place("A", None, 10).start == 102
    assert lay.spans("A") == [(1, 50), (62, 90)]


def test_layout_never_overlaps_randomised():
    import random
    rng = random.Random(7)
    for _ in range(200):
        lay = TimelineLayout(first_frame=rng.randint(-5, 5), gap=rng.randint(0, 6))
        for _ in range(12):
            req = rng.choice([None, rng.randint(-10, 120)])
            p = lay.place("A", req, rng.randint(1, 30))
            if req is not None and not p.moved:
                assert p.start == req
            assert p.start >= (req if req is not None else p.start)
            lay.reserve("A", p.start, p.end)
        spans = lay.spans("A")
        for (s1, e1), (s2, e2) in itertools.pairwise(spans):
            assert e1 <= s2


# ---------------------------------------------------------------------------------- ids and anchors

def test_row_ids_given_or_hashed_and_stable():
    content = "id,object,text,emotion\nintro,A,Hi there,\n,B,Hello,\n,A,Hi there,\n,A,Hi there,sad\n"
    d = parse_csv(content, "/tmp")
    ids = [ln.row_id for ln in d.lines]
    assert ids[0] == "intro" and len(set(ids)) == 4
    assert ids[2].endswith("-1") and ids[3].endswith("-2")      # the same words twice: 1st and 2nd time
    again = parse_csv("id,object,text,emotion\n,B,Hello,\nintro,A,Hi there,\n,A,Hi there,\n,A,Hi there,sad\n",
                      "/tmp")
    assert sorted(ln.row_id for ln in again.lines) == sorted(ids)    # moving rows keeps their ids
    assert d.lines[2].digest != d.lines[3].digest                    # the emotion is in the digest, not the id


def test_an_id_used_twice_is_a_row_error():
    d = parse_csv("id,object,text\na,A,One\nb,A,Two\na,B,Three\n", "/tmp")
    assert [ln.row for ln in d.lines] == [1, 2]
    assert [(p.row, "id 'a' is already used by row 1" in p.message) for p in d.problems] == [(3, True)]


@pytest.mark.parametrize("cells, message", [
    (",nobody", "names row 'nobody', which does not exist"),
    ("q,", "names row 'q', which does not exist"),
    ("4,", "must name an earlier row"),
    ("a,b", "not both"),
])
def test_bad_anchors_are_row_errors(cells, message):
    d = parse_csv(f"id,object,text,overlap,after\na,A,One,,\nb,B,Two,,\nc,A,Three,,\nd,B,Four,{cells}\n",
                  "/tmp")
    assert [p.row for p in d.problems] == [4] and message in d.problems[0].message


def test_anchors_by_id_or_row_number_with_offsets():
    d = parse_csv("id,object,text,overlap,after\na,A,One,,\nb,B,Two,a+6,\nc,A,Three,,2-10\n", "/tmp")
    assert d.problems == []
    assert [ln.anchor for ln in d.lines] == [None, Anchor("overlap", 1, 6), Anchor("after", 2, -10)]


def test_conversation_takes_turns_whoever_speaks():
    d = parse_csv("id,object,text,overlap,after,start\n"
                  "a,Alice,One,,,\nb,Bob,Two,,,\nc,Carol,Three,,,\nd,Bob,Cuts in,,c-5,\n"
                  "e,Alice,Together,d,,\nf,Carol,Late,,,300\ng,Alice,After all,,,\n", "/tmp")
    lay = ConversationLayout(first_frame=1, gap=12)
    spans = {}
    for ln in d.lines:
        p = lay.place_line(ln, 20)
        lay.reserve_line(ln, p.start, p.end)
        spans[ln.row_id] = (p.start, p.end)
    assert spans["a"] == (1, 21) and spans["b"] == (33, 53) and spans["c"] == (65, 85)
    assert spans["d"] == (85 + 12 - 5, 85 + 12 - 5 + 20)           # after c, 5 frames early
    assert spans["e"][0] == spans["d"][0]                            # overlaps d
    assert spans["f"] == (300, 320) and spans["g"][0] == 332        # after every line so far


def test_anchor_to_a_row_that_did_not_land_is_a_layout_error():
    d = parse_csv("id,object,text,after\na,A,One,\nb,B,Two,a\n", "/tmp")
    with pytest.raises(LayoutError, match="row 1, which did not land"):
        ConversationLayout(1, 5).place_line(d.lines[1], 10)
    with pytest.raises(LayoutError):
        PerCharacterLayout(1, 5).place_line(d.lines[1], 10)


def test_per_character_layout_is_the_old_one_with_anchors():
    d = parse_csv("object,text,after\nA,One,\nB,Two,\nA,Three,\nB,Four,3\n", "/tmp")
    lay = PerCharacterLayout(first_frame=1, gap=4)
    got = []
    for ln in d.lines:
        p = lay.place_line(ln, 10)
        lay.reserve_line(ln, p.start, p.end)
        got.append(p.start)
    assert got == [1, 1, 15, 29]


def test_malformed_files_are_one_error_naming_the_line():
    with pytest.raises(DialogueError, match="line 2: a cell is longer than 131,072 characters"):
        parse_csv('object,text\nFace,"' + "a" * 140_000 + '"\n', "/tmp")
    with pytest.raises(DialogueError, match=r'line 3: a quote \(\"\) opened there is never closed'):
        parse_csv('object,text\nFace,Hi.\nFace,"Open.\nFace,One.\nFace,Two.\n', "/tmp")
    with pytest.raises(DialogueError, match="nested too deeply"):
        parse_json("[" * 200_000 + "]" * 200_000, "/tmp")
    multi = parse_csv('object,text\nFace,"Two lines,\nin one cell."\nFace,Next.\n', "/tmp")
    assert [ln.text for ln in multi.lines] == ["Two lines,\nin one cell.", "Next."]   # legal quoting still works


def test_rows_are_refused_as_the_real_run_would(tmp_path):
    tiny_wav(tmp_path / "ok.wav")
    tiny_wav(tmp_path / "fast.wav", rate=8000)
    data = bytearray((tmp_path / "fast.wav").read_bytes())
    data[24:28] = (1_000_000_000).to_bytes(4, "little")
    (tmp_path / "fast.wav").write_bytes(bytes(data))
    (tmp_path / "short.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    tiny_wav(tmp_path / "tiny.wav", seconds=0.01)
    rows = ["object,text,audio", "Face,,ok.wav", "Face,,fast.wav", "Face,,short.wav", "Face,,tiny.wav",
            "Face," + "x" * 5001 + ",", "Face,a\x00b,"]
    d = parse_csv("\n".join(rows) + "\n", str(tmp_path))
    problems = {p.row: p.message for p in d.problems}
    assert [ln.row for ln in d.lines] == [1]
    assert "unsupported sample rate 1000000000 Hz" in problems[2]
    assert "not a readable WAV file" in problems[3]
    assert "too short (10 ms" in problems[4]
    assert "5001 characters" in problems[5] and "NUL character" in problems[6]
