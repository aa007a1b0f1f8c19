"""Dialogue files and timeline layout for the batch (pure: runs without bpy)."""

from __future__ import annotations

import itertools
import json

import pytest

from unitaf_blender.core.dialogue import (
    COLUMNS,
    DialogueError,
    TimelineLayout,
    default_gap,
    frames_for,
    parse_csv,
    parse_json,
    read_dialogue,
)

HEADER = ",".join(COLUMNS)


def test_csv_defaults_and_values(tmp_path):
    (tmp_path / "take1.wav").write_bytes(b"RIFF")
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
    (sub / "a.wav").write_bytes(b"RIFF")
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
