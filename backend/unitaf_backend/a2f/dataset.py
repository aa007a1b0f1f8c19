"""The training corpus on disk and batches drawn from it.

A corpus folder holds:
- `items.json`: one record per utterance: `kind` ("tts": Piper speech with its TTS features; "audio": any
  voice heard only through the audio encoder), voice, text, emotion, split ("train"/"val"), and
  [offset, length] spans into the arrays below;
- `enc.npy` float16 [N, 384]: Whisper encoder features at 50 fps (for "tts" items: of the clean audio, the
  stage-1 target);
- `target.npy` float16 [N, 52]: the articulation model's ARKit-52 weights on the TTS's own timeline, one row
  per encoder frame (features and targets share one alignment: UniTAF's GT-token replacement);
- `tts.npy` float16 [M, 192]: Piper's frame features at 22050/256 fps, for "tts" items;
- `manifest.json`: how it was made (voices, held-out voices, counts, seed, time taken).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import BadInput


@dataclass(frozen=True)
class Item:
    kind: str
    voice: str
    text: str
    emotion: tuple[float, ...]
    split: str
    enc: tuple[int, int]
    tts: tuple[int, int] | None


class Corpus:
    def __init__(self, folder: str | Path):
        folder = Path(folder)
        try:
            records = json.loads((folder / "items.json").read_text(encoding="utf-8"))
            self.manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            self.enc = np.load(folder / "enc.npy", mmap_mode="r")
            self.target = np.load(folder / "target.npy", mmap_mode="r")
            tts_path = folder / "tts.npy"
            self.tts = np.load(tts_path, mmap_mode="r") if tts_path.is_file() else np.zeros((0, 192), np.float16)
        except (OSError, ValueError, KeyError) as err:
            raise BadInput(f"{folder} is not a complete A2F corpus (make one with `unitaf train --corpus-only`): "
                           f"{err}") from None
        self.items = [Item(kind=r["kind"], voice=r["voice"], text=r["text"], emotion=tuple(r["emotion"]),
                           split=r["split"], enc=tuple(r["enc"]), tts=tuple(r["tts"]) if r.get("tts") else None)
                      for r in records]
        self.folder = folder

    def select(self, kind: str | None, split: str) -> list[int]:
        return [i for i, it in enumerate(self.items) if (kind is None or it.kind == kind) and it.split == split]


@dataclass
class Batch:
    enc: torch.Tensor        # [B, T, 384]
    target: torch.Tensor     # [B, T, 52]
    emotion: torch.Tensor    # [B, 8]
    mask: torch.Tensor       # [B, T] bool
    tts: torch.Tensor | None  # [B, T_tts, 192], for "tts" items
    tts_offset: torch.Tensor | None = None   # [B] position of model frame 0 in TTS frames (crops)

    def to(self, device: torch.device) -> Batch:
        return Batch(self.enc.to(device), self.target.to(device), self.emotion.to(device), self.mask.to(device),
                     None if self.tts is None else self.tts.to(device),
                     None if self.tts_offset is None else self.tts_offset.to(device))


def make_batch(corpus: Corpus, indices: list[int], crop: int, rng: np.random.Generator, tts_fps: float,
               model_fps: float) -> Batch:
    """Pad items to the longest; items longer than `crop` frames get a random crop (TTS features cropped to
    the same time span, starting exactly on a model frame)."""
    spans = []
    for i in indices:
        it = corpus.items[i]
        n = it.enc[1]
        start = int(rng.integers(0, n - crop + 1)) if n > crop else 0
        spans.append((it, start, min(n, crop)))
    t_max = max(s[2] for s in spans)
    b = len(spans)
    enc = np.zeros((b, t_max, corpus.enc.shape[1]), np.float32)
    tgt = np.zeros((b, t_max, corpus.target.shape[1]), np.float32)
    mask = np.zeros((b, t_max), bool)
    emo = np.zeros((b, 8), np.float32)
    has_tts = all(it.tts is not None for it, _, _ in spans)
    tts_rows = []
    for k, (it, start, n) in enumerate(spans):
        off = it.enc[0] + start
        enc[k, :n] = corpus.enc[off: off + n]
        tgt[k, :n] = corpus.target[off: off + n]
        mask[k, :n] = True
        emo[k] = it.emotion
        if has_tts and it.tts is not None:
            # TTS frames for model frames [start, start + n): the first one at start / model_fps seconds
            ratio = tts_fps / model_fps
            t0 = start * ratio
            a = int(np.floor(t0))
            length = int(np.ceil(n * ratio)) + 2
            rows = np.asarray(corpus.tts[it.tts[0] + a: it.tts[0] + min(it.tts[1], a + length)], np.float32)
            tts_rows.append((rows, t0 - a))
    tts = offset = None
    if has_tts:
        width = max(len(r) for r, _ in tts_rows)
        arr = np.zeros((b, width, corpus.tts.shape[1]), np.float32)
        for k, (rows, _) in enumerate(tts_rows):
            arr[k, : len(rows)] = rows
            arr[k, len(rows):] = rows[-1:] if len(rows) else 0.0
        tts = torch.from_numpy(arr)
        # a crop starts on a model frame whose time usually falls between two TTS frames
        offset = torch.tensor([phase for _, phase in tts_rows], dtype=torch.float32)
    return Batch(torch.from_numpy(enc), torch.from_numpy(tgt), torch.from_numpy(emo), torch.from_numpy(mask),
                 tts, offset)


class CorpusWriter:
    """Collects utterances in memory (float16) and writes the corpus folder at the end, files renamed into
    place so an interrupted run never leaves a corpus that looks complete."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.records: list[dict] = []
        self._enc: list[np.ndarray] = []
        self._target: list[np.ndarray] = []
        self._tts: list[np.ndarray] = []
        self._n_enc = 0
        self._n_tts = 0

    def add(self, kind: str, voice: str, text: str, emotion: np.ndarray, split: str, enc: np.ndarray,
            target: np.ndarray, tts: np.ndarray | None = None, **extra: object) -> None:
        n = min(len(enc), len(target))
        if n == 0:
            return
        record: dict = {"kind": kind, "voice": voice, "text": text,
                        "emotion": [round(float(x), 4) for x in emotion], "split": split,
                        "enc": [self._n_enc, n], "tts": None, **extra}
        self._enc.append(np.asarray(enc[:n], np.float16))
        self._target.append(np.asarray(target[:n], np.float16))
        self._n_enc += n
        if tts is not None:
            record["tts"] = [self._n_tts, len(tts)]
            self._tts.append(np.asarray(tts, np.float16))
            self._n_tts += len(tts)
        self.records.append(record)

    def close(self, manifest: dict) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "items.json").unlink(missing_ok=True)     # the marker of a complete corpus goes last

        def save(name: str, parts: list[np.ndarray], width: int) -> None:
            arr = np.concatenate(parts) if parts else np.zeros((0, width), np.float16)
            tmp = self.folder / f".{name}.tmp.npy"
            np.save(tmp, arr)
            tmp.replace(self.folder / name)

        save("enc.npy", self._enc, 384)
        save("target.npy", self._target, 52)
        save("tts.npy", self._tts, 192)
        counts: dict[str, int] = {}
        for r in self.records:
            key = f"{r['kind']}/{r['split']}"
            counts[key] = counts.get(key, 0) + 1
        (self.folder / "manifest.json").write_text(json.dumps({**manifest, "counts": counts}, indent=1),
                                                   encoding="utf-8")
        tmp = self.folder / ".items.json.tmp"
        tmp.write_text(json.dumps(self.records), encoding="utf-8")
        tmp.replace(self.folder / "items.json")
        return self.folder
