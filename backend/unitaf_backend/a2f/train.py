"""Training the A2F model in UniTAF's two stages, on a corpus made by corpus.py.

Stage 1: the adapter alone learns to map Piper's features to the frozen Whisper encoder's features of the
same (clean) audio, MSE. Stage 2: adapter + decoder on the face loss (weight-space MSE + the mouth-state-aware
vertex loss on the reference head + velocity), on two paths that share the decoder: TTS features -> adapter ->
decoder (the text path), and encoder features of every voice, clean and augmented -> decoder (the audio path).
A small feature term keeps the adapter's output in the encoder's space while the decoder moves.

Everything is a pure function of (config, corpus, step): batch choice and dropout are seeded per step and the
learning rate is computed from the step, so a run resumed from a checkpoint continues exactly as an
uninterrupted one would.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import BadInput, Cancelled, NotInstalled
from . import losses
from .config import A2FConfig
from .dataset import Batch, Corpus, make_batch
from .infer import save_model
from .model import A2FModel, count_parameters

CHECKPOINT = "checkpoint.pt"
FINAL = "a2f.pt"


@dataclass(frozen=True)
class TrainResult:
    weights: Path
    seconds: float
    history: list[dict]


def lr_at(step: int, total: int, peak: float, warmup: int = 100) -> float:
    """Linear warm-up, then cosine decay to 5% of the peak."""
    if step < warmup:
        return peak * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def _masked_mse(a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.to(a.dtype)
    return (((a - b) ** 2).mean(-1) * m).sum() / m.sum().clamp(min=1.0)


def face_loss(pred: torch.Tensor, batch: Batch, cfg: A2FConfig, basis: losses.VertexBasis | None) -> dict:
    parts = {
        "weights": losses.weight_loss(
            pred, batch.target, batch.mask, losses.channel_weights(cfg.key_channel_weight).to(pred.device),
            losses.lip_shape_weight(batch.target, cfg.lip_shape_gain) if cfg.lip_shape_gain > 0 else None),
        "velocity": losses.velocity_loss(pred, batch.target, batch.mask),
    }
    total = cfg.w_weights * parts["weights"] + cfg.w_velocity * parts["velocity"]
    if basis is not None and cfg.w_vertex > 0:
        parts["vertex"] = losses.vertex_loss(pred, batch.target, basis, batch.mask,
                                             cfg.mouth_weight_base, cfg.mouth_weight_gain)
        total = total + cfg.w_vertex * parts["vertex"]
    parts["total"] = total
    return parts


def _adapter_out(model: A2FModel, batch: Batch) -> torch.Tensor:
    assert batch.tts is not None
    return model.adapter(batch.tts, batch.enc.shape[1], batch.tts_offset)


def _sample(rng: np.random.Generator, pool: list[int], n: int) -> list[int]:
    return [pool[int(i)] for i in rng.integers(0, len(pool), size=n)]


def _load_basis(cfg: A2FConfig, device: torch.device) -> losses.VertexBasis | None:
    if cfg.w_vertex <= 0:
        return None
    try:
        return losses.load_vertex_basis().to(device)
    except (ImportError, AttributeError, OSError) as err:
        raise NotInstalled(f"the vertex loss needs the reference head (unitaf_backend.head): {err}; "
                           "set w_vertex to 0 in the config to train without it") from None


@torch.no_grad()
def evaluate(model: A2FModel, corpus: Corpus, cfg: A2FConfig, basis: losses.VertexBasis | None,
             device: torch.device, max_items: int = 64) -> dict:
    """Validation losses on the corpus's val split, text path and audio path."""
    model.eval()
    out: dict[str, float] = {}
    rng = np.random.default_rng(0)
    for kind in ("tts", "audio"):
        pool = corpus.select(kind, "val")[:max_items]
        if not pool:
            continue
        totals: dict[str, float] = {}
        for start in range(0, len(pool), cfg.batch_size):
            batch = make_batch(corpus, pool[start: start + cfg.batch_size], 10**6, rng, cfg.tts_fps,
                               cfg.model_fps).to(device)
            feats = _adapter_out(model, batch) if kind == "tts" else batch.enc
            pred = model.decoder(feats, batch.emotion)
            parts = face_loss(pred, batch, cfg, basis)
            jaw = losses.JAW_OPEN
            parts["jaw_mae"] = ((pred[..., jaw] - batch.target[..., jaw]).abs() * batch.mask).sum() / batch.mask.sum()
            if kind == "tts":
                parts["feature"] = _masked_mse(feats, batch.enc, batch.mask)
            for k, v in parts.items():
                totals[k] = totals.get(k, 0.0) + float(v) * len(batch.emotion)
        for k, v in totals.items():
            out[f"{kind}/{k}"] = v / len(pool)
    model.train()
    return out


def train(corpus_dir: str | Path, out_dir: str | Path, cfg: A2FConfig, resume: bool = True,
          device: str | None = None, progress: bool = True, log: Callable[[str], None] = print,
          cancel: Callable[[], bool] | None = None) -> TrainResult:
    """Run (or resume) both stages; write OUT/checkpoint.pt as it goes and OUT/a2f.pt at the end."""
    from tqdm import tqdm

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dev = torch.device(device) if device else torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if cfg.num_threads > 0:
        torch.set_num_threads(cfg.num_threads)
    corpus = Corpus(corpus_dir)
    tts_train, audio_train = corpus.select("tts", "train"), corpus.select(None, "train")
    if not tts_train:
        raise BadInput(f"the corpus at {corpus_dir} has no TTS items to train the adapter on")
    basis = _load_basis(cfg, dev)

    torch.manual_seed(cfg.seed)
    model = A2FModel(cfg).to(dev)
    opt1 = torch.optim.AdamW(model.adapter.parameters(), lr=cfg.stage1_lr, weight_decay=cfg.weight_decay)
    opt2 = torch.optim.AdamW(model.parameters(), lr=cfg.stage2_lr, weight_decay=cfg.weight_decay)
    step, elapsed, history = 0, 0.0, []
    ckpt_path = out / CHECKPOINT
    if resume and ckpt_path.is_file():
        ck = torch.load(str(ckpt_path), map_location=dev, weights_only=False)
        if ck["config"] != cfg.to_dict():
            raise BadInput(f"{ckpt_path} was made with another config; use a new --out folder or --no-resume")
        model.load_state_dict(ck["model"])
        opt1.load_state_dict(ck["opt1"])
        opt2.load_state_dict(ck["opt2"])
        step, elapsed, history = ck["step"], ck["elapsed"], ck["history"]
        log(f"resuming at step {step} of {cfg.stage1_steps + cfg.stage2_steps}")
    log(f"A2F: adapter {count_parameters(model.adapter):,} + decoder {count_parameters(model.decoder):,} "
        f"parameters; corpus {len(corpus.items)} items ({len(tts_train)} TTS for training); device {dev}")

    def save_checkpoint() -> None:
        tmp = ckpt_path.with_suffix(".tmp")
        torch.save({"config": cfg.to_dict(), "model": model.state_dict(), "opt1": opt1.state_dict(),
                    "opt2": opt2.state_dict(), "step": step, "elapsed": elapsed, "history": history}, str(tmp))
        tmp.replace(ckpt_path)

    total_steps = cfg.stage1_steps + cfg.stage2_steps
    if step == 0:   # the untrained baseline, for the model card and sanity
        history.append({"step": 0, "stage": 0, "elapsed_s": 0.0, **evaluate(model, corpus, cfg, basis, dev)})
    model.train()
    bar = tqdm(total=total_steps, initial=step, disable=not progress, unit="step", dynamic_ncols=True)
    t_last = time.perf_counter()
    half = max(1, cfg.batch_size // 2)
    while step < total_steps:
        if cancel is not None and cancel():
            save_checkpoint()
            raise Cancelled("training cancelled; run the same command again to resume")
        stage = 1 if step < cfg.stage1_steps else 2
        rng = np.random.default_rng([cfg.seed, step])
        torch.manual_seed(cfg.seed * 1_000_003 + step)
        if stage == 1:
            lr = lr_at(step, cfg.stage1_steps, cfg.stage1_lr)
            for g in opt1.param_groups:
                g["lr"] = lr
            batch = make_batch(corpus, _sample(rng, tts_train, cfg.batch_size), cfg.crop_frames, rng,
                               cfg.tts_fps, cfg.model_fps).to(dev)
            loss = _masked_mse(_adapter_out(model, batch), batch.enc, batch.mask)
            parts = {"feature": loss}
            opt = opt1
        else:
            s2 = step - cfg.stage1_steps
            lr = lr_at(s2, cfg.stage2_steps, cfg.stage2_lr)
            for g in opt2.param_groups:
                g["lr"] = lr
            tb = make_batch(corpus, _sample(rng, tts_train, half), cfg.crop_frames, rng,
                            cfg.tts_fps, cfg.model_fps).to(dev)
            ab = make_batch(corpus, _sample(rng, audio_train, cfg.batch_size - half), cfg.crop_frames, rng,
                            cfg.tts_fps, cfg.model_fps).to(dev)
            adapted = _adapter_out(model, tb)
            text_parts = face_loss(model.decoder(adapted, tb.emotion), tb, cfg, basis)
            audio_parts = face_loss(model.decoder(ab.enc, ab.emotion), ab, cfg, basis)
            feature = _masked_mse(adapted, tb.enc, tb.mask)
            loss = text_parts["total"] + audio_parts["total"] + cfg.w_feature * feature
            parts = {"text": text_parts["total"], "audio": audio_parts["total"], "feature": feature}
            opt = opt2
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        step += 1
        now = time.perf_counter()
        elapsed += now - t_last
        t_last = now
        bar.update(1)
        bar.set_postfix(stage=stage, lr=f"{lr:.1e}", **{k: f"{v.item():.4f}" for k, v in parts.items()})
        boundary = step == cfg.stage1_steps or step == total_steps
        if step % cfg.eval_every == 0 or boundary:
            metrics = evaluate(model, corpus, cfg, basis, dev)
            history.append({"step": step, "stage": stage, "elapsed_s": round(elapsed, 1), **metrics})
            bar.write(f"step {step} stage {stage} " + " ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
        if step % cfg.checkpoint_every == 0 or boundary:
            save_checkpoint()
    bar.close()
    model.eval()
    final = out / FINAL
    save_model(model, final, meta={
        "seed": cfg.seed, "steps": total_steps, "train_seconds": round(elapsed, 1), "device": str(dev),
        "corpus": corpus.manifest, "history": history[-3:],
    })
    (out / "history.json").write_text(json.dumps(history, indent=1), encoding="utf-8")
    log(f"trained in {elapsed / 60:.1f} min; weights: {final}")
    return TrainResult(final, elapsed, history)
