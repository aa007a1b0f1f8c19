"""Score face animation: lip closure, lip tuck, rounding, jaw opening, rest, sync lag, jitter, upper face.

Without --folder it runs the built-in held-out set (lines never used to tune the rules or to train):
each line is spoken by the speech engine with each emotion asked for, animated with --mode, given the
expression and life layers, and scored. With --folder it scores every (timeline.json, animation.npz)
pair found under a folder, such as the output folders of `unitaf speak`. Prints a table per emotion
and overall; --json writes everything, per clip included. --check exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from importlib import resources
from pathlib import Path

from ..channels import ARKIT_CHANNELS
from ..emotion import PRESETS, describe, parse_emotion
from ..errors import BadInput
from ..face import evaluate as ev
from ..face.expression import MOVES
from ..pipeline.mouth import EVALUATOR_MODES, mouth, spoken_input
from ..pipeline.tail import finish

HELDOUT_FILE = "heldout_sentences.txt"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mode", default="rules", choices=sorted(EVALUATOR_MODES),
                   help="how the held-out lines' mouths are made: rules, neural (TTS features -> adapter -> "
                        "decoder) or audio (the recording path: the spoken audio through the encoder); "
                        "default rules")
    p.add_argument("--emotion", default="all",
                   help="'all' (neutral and every preset, the default) or a comma-separated list of "
                        "NAME[:INTENSITY] (mixes with +)")
    p.add_argument("--fps", type=float, nargs="+", default=[30.0],
                   help="frames per second; several values score the same speech at each (default 30)")
    p.add_argument("--folder", type=Path, default=None,
                   help="score the (timeline.json, animation.npz) pairs under this folder instead")
    p.add_argument("--limit", type=int, default=None, help="use only the first N held-out lines")
    p.add_argument("--voice", default=None, help="voice for the held-out lines (default voice if omitted)")
    p.add_argument("--seed", type=int, default=0, help="base seed of speech and life layers")
    p.add_argument("--per-clip", action="store_true", help="also print a row per clip")
    p.add_argument("--json", type=Path, default=None, help="write the full report as JSON to this file")
    p.add_argument("--check", action="store_true", help="exit 1 if any target is missed")


def heldout_lines() -> list[str]:
    text = resources.files("unitaf_backend").joinpath("data", HELDOUT_FILE).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _emotions(spec: str) -> list[str]:
    if spec.strip().lower() == "all":
        return list(PRESETS)
    names = [s.strip() for s in spec.split(",") if s.strip()]
    if not names:
        raise BadInput("--emotion is empty")
    for name in names:
        parse_emotion(name)          # one clear error for a bad name or intensity
    return names


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_heldout(mode: str, emotions: list[str], fps: list[float], limit: int | None = None,
                voice: str | None = None, seed: int = 0) -> dict[float, dict[str, list[ev.ClipScores]]]:
    """Speak every held-out line once per emotion, then animate and score it at each fps:
    {fps: {emotion label: [ClipScores]}}."""
    from .. import speech

    if mode not in EVALUATOR_MODES:
        raise BadInput(f"unknown mode {mode!r}; choose one of: {', '.join(sorted(EVALUATOR_MODES))}")
    source = EVALUATOR_MODES[mode]
    lines = heldout_lines()
    if limit is not None:
        if limit < 1:
            raise BadInput("--limit must be at least 1")
        lines = lines[:limit]
    results: dict[float, dict[str, list[ev.ClipScores]]] = {f: {} for f in fps}
    for spec in emotions:
        vec = parse_emotion(spec)
        label = describe(vec)
        for k, text in enumerate(lines):
            _progress(f"[{label}] {k + 1}/{len(lines)} {text}")
            spoken = speech.synthesize(text, emotion=vec, voice=voice, seed=seed + k)
            for f in fps:
                weights = finish(mouth(source, spoken_input(spoken, f)), spoken.timeline, f,
                                 prosody=spoken.prosody, seed=seed + k).weights
                clip = ev.evaluate_clip(spoken.timeline, weights, f, name=f"heldout{k + 1:02d}")
                results[f].setdefault(label, []).append(clip)
    return results


def run_folder(folder: Path) -> dict[str, list[ev.ClipScores]]:
    """Score every folder holding timeline.json and animation.npz, grouped by the clips' emotion."""
    from ..face.export import load_npz
    from ..speech.timeline import Timeline

    if not folder.is_dir():
        raise BadInput(f"{folder} is not a folder")
    pairs = sorted(p.parent for p in folder.rglob("timeline.json") if (p.parent / "animation.npz").is_file())
    if not pairs:
        raise BadInput(f"no (timeline.json, animation.npz) pairs under {folder}")
    results: dict[str, list[ev.ClipScores]] = {}
    for d in pairs:
        try:
            timeline = Timeline.load(d / "timeline.json")
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise BadInput(f"cannot read {d / 'timeline.json'}: {err}") from None
        weights, channels, fps = load_npz(d / "animation.npz")
        if channels != ARKIT_CHANNELS:
            raise BadInput(f"{d / 'animation.npz'} does not hold the 52 ARKit channels in Apple's order")
        scores = ev.evaluate_clip(timeline, weights, fps, name=str(d.relative_to(folder)) or ".")
        results.setdefault(scores.emotion, []).append(scores)
    return results


def _fmt(value: float | str | None, digits: int = 3) -> str:
    if value is None or isinstance(value, str) or math.isnan(value):
        return "-"
    return f"{value:.{digits}f}"


SCORE_KEYS = ("bilabial", "labiodental", "rounded", "open", "rest")


def format_table(summaries: dict[str, dict]) -> str:
    head = f"{'emotion':<22}{'clips':>6}" + "".join(f"{k:>13}" for k in SCORE_KEYS) + \
        f"{'lag ms':>9}{'jitter':>9}  targets"
    rows = [head]
    for label, s in summaries.items():
        missed = [k for k, ok in s["passed"].items() if not ok]
        row = f"{label:<22}{s['clips']:>6}"
        for k in SCORE_KEYS:
            cell = f"{_fmt(s[k]['score'])} ({s[k]['total']})"
            row += f"{cell:>13}"
        row += f"{_fmt(s['sync_lag_ms'], 1):>9}{_fmt(s['jitter'], 4):>9}  "
        row += "PASS" if not missed else "MISS " + ",".join(missed)
        rows.append(row)
    targets = f"{'target':<22}{'':>6}" + "".join(f"{'>= ' + format(ev.TARGETS[k], '.2f'):>13}" for k in SCORE_KEYS)
    targets += f"{'|<=' + format(ev.TARGETS['sync_lag_ms'], '.0f') + '|':>9}"
    rows.append(targets)
    return "\n".join(rows)


def format_upper_face(summaries: dict[str, dict]) -> str:
    groups = list(ev.UPPER_FACE_GROUPS)
    rows = [f"{'upper face (mean)':<22}" + "".join(f"{g:>12}" for g in groups)]
    for label, s in summaries.items():
        if label == "overall":
            continue
        for emo, means in s["upper_face"].items():
            rows.append(f"{emo:<22}" + "".join(f"{_fmt(means[g]):>12}" for g in groups))
    return "\n".join(rows)


def emotion_moves(summaries: dict[str, dict]) -> dict[str, list[str]]:
    """For each single-preset emotion run beside neutral: the documented moves it misses (empty: all made)."""
    if "neutral" not in summaries:
        return {}
    neutral = summaries["neutral"]["upper_face"].get("neutral")
    out: dict[str, list[str]] = {}
    for label, s in summaries.items():
        name = label.split(":")[0]
        if name not in MOVES or "+" in label or neutral is None:
            continue
        means = s["upper_face"].get(label)
        if means is None:
            continue
        out[label] = [f"{g} {'up' if d > 0 else 'down'}" for g, d in MOVES[name].items()
                      if (means[g] - neutral[g]) * d <= 0]
    return out


def _jsonable(x):
    if isinstance(x, float):
        return None if math.isnan(x) else x
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def _write_json(path: Path, report: dict) -> None:
    path = path.expanduser()
    if path.is_dir():
        raise BadInput(f"--json {path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise BadInput(f"--json: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(_jsonable(report), f, indent=1, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def report_for(results: dict[str, list[ev.ClipScores]], per_clip: bool) -> tuple[dict, dict, list[str]]:
    """Print the tables of one set of results; return (summaries with overall, emotion moves, missed)."""
    summaries = {label: ev.summarise(clips) for label, clips in results.items()}
    all_clips = [c for clips in results.values() for c in clips]
    summaries_all = dict(summaries)
    if len(summaries) > 1:
        summaries_all["overall"] = ev.summarise(all_clips)
    if per_clip:
        for c in all_clips:
            r = c.row()
            print(f"  {r['name']:<24}{r['emotion']:<18}" + "".join(f"{_fmt(r[k]):>8}" for k in SCORE_KEYS)
                  + f"{_fmt(r['sync_lag_ms'], 1):>9}{_fmt(r['jitter'], 4):>9}")
    print(format_table(summaries_all))
    print()
    print(format_upper_face(summaries))
    moves = emotion_moves(summaries)
    if moves:
        print()
        for label, missed in moves.items():
            verdict = "all made" if not missed else "MISSED " + ", ".join(missed)
            print(f"{label:<22}documented upper-face moves vs neutral: {verdict}")
    missed_targets = [f"{label}: {k}" for label, s in summaries_all.items() for k, ok in s["passed"].items() if not ok]
    missed_targets += [f"{label}: {m}" for label, ms in moves.items() for m in ms]
    return summaries_all, moves, missed_targets


def run(args: argparse.Namespace) -> int:
    from ..face.frames import check_fps

    fps_list = [check_fps(f) for f in args.fps]
    if args.json is not None and not args.json.expanduser().parent.is_dir():
        raise BadInput(f"--json: folder {args.json.expanduser().parent} does not exist")
    if args.folder is not None:
        by_fps = {0.0: run_folder(args.folder)}        # each clip keeps its own fps
        source: dict = {"folder": str(args.folder)}
    else:
        by_fps = run_heldout(args.mode, _emotions(args.emotion), fps_list, args.limit, args.voice, args.seed)
        first = next(iter(by_fps.values()))
        source = {"heldout": HELDOUT_FILE, "lines": len(next(iter(first.values()))), "mode": args.mode,
                  "seed": args.seed}
    print(", ".join(f"{k} {v}" for k, v in source.items()))
    report: dict = {"source": source, "targets": ev.TARGETS, "by_fps": {}}
    missed: list[str] = []
    for fps, results in by_fps.items():
        if fps:
            print(f"\n== {fps:g} fps ==")
        summaries, moves, missed_here = report_for(results, args.per_clip)
        missed += [f"{fps:g} fps {m}" if fps else m for m in missed_here]
        report["by_fps"][f"{fps:g}" if fps else "clip"] = {
            "summary": summaries, "emotion_moves": moves,
            "clips": [c.to_dict() for clips in results.values() for c in clips],
        }
    if args.json is not None:
        _write_json(args.json, report)
    if missed:
        print("\nmissed: " + "; ".join(missed))
    return 1 if (args.check and missed) else 0
