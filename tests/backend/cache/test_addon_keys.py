"""The add-on's cache reader and the backend's cache spell a row's key the same way: the same dialogue
file read by each side (the batch's reader + request_for, the backend's read_script) gives the same keys,
and an entry the backend stored reads back in the add-on as the same FaceResult."""

from __future__ import annotations

import numpy as np
import soundfile as sf
from unitaf_backend.cache import LineCache, line_key
from unitaf_backend.cache.rows import RenderSettings, read_script
from unitaf_backend.cache.store import CachedLine

from unitaf_blender.batch_synth import request_for
from unitaf_blender.core import line_cache
from unitaf_blender.core.dialogue import read_dialogue


def test_both_sides_give_the_same_key_for_every_row(tmp_path):
    rate = 16000
    sf.write(tmp_path / "take.wav", (0.1 * np.sin(np.arange(rate) / 9.0)).astype(np.float32), rate)
    (tmp_path / "s.csv").write_text(
        "id,object,start,text,audio,transcript,emotion,intensity,voice\n"
        "a,Bob,1,  Hello   there. ,,,Happy,0.5,\n"
        "b,Bob,,Über café — naïve?,,,,,espeak-de\n"
        ",Ann,,,take.wav,  the   words ,sad,,\n"
        ",Ann,,,take.wav,,,1,\n", encoding="utf-8")
    version = "v-test"
    for fps, mode, seed, head in [(24.0, "auto", 0, False), (30.0, "rules", 3, True)]:
        backend = [line_key(j.recipe, version)
                   for j in read_script(tmp_path / "s.csv", RenderSettings(fps, mode, seed, head)).jobs]
        addon = [line_cache.line_key(line_cache.recipe_of(request_for(ln, fps, mode, seed, head)), version)
                 for ln in read_dialogue(tmp_path / "s.csv", "Bob").lines]
        assert backend == addon and len(set(addon)) == 4


def test_an_entry_reads_back_in_the_addon_and_a_bad_checksum_is_a_miss(tmp_path):
    (tmp_path / "s.csv").write_text("text\nHi.\n", encoding="utf-8")
    job = read_script(tmp_path / "s.csv", RenderSettings()).jobs[0]
    cache = LineCache(tmp_path / "c")
    cache.prepare("v1")
    line = CachedLine(fps=24.0, channels=("x",), weights=np.full((3, 1), 0.25, np.float32), timeline={"w": 1},
                      duration=0.1, audio_wav=b"RIFFdata", meta={"m": 1})
    folder = cache.put(line_key(job.recipe, "v1"), job.recipe, "v1", line)
    request = request_for(read_dialogue(tmp_path / "s.csv", "X").lines[0], 24.0, "auto", 0)
    got = line_cache.LineCacheReader(tmp_path / "c").get(request)
    assert got is not None and got.audio_wav == b"RIFFdata" and got.timeline == {"w": 1}
    np.testing.assert_array_equal(got.weights, line.weights)
    (folder / "timeline.json").write_text('{"w": 2}')
    assert line_cache.LineCacheReader(tmp_path / "c").get(request) is None
    assert line_cache.LineCacheReader(tmp_path / "nothing").get(request) is None
