"""Every knob of the A2F model and its training in one place (nanoGPT style).

A config is a flat dataclass. Presets are named configs; a JSON file can override any field
(`unitaf train --config my.json`), and the config a model was trained with is saved inside its checkpoint,
so loading weights never depends on the defaults here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from ..errors import BadInput

# Piper (en_US-joe-medium) frame rate: one feature frame per 256 samples at 22.05 kHz.
PIPER_FEATURE_FPS = 22050.0 / 256.0


@dataclass(frozen=True)
class A2FConfig:
    # --- feature spaces -------------------------------------------------------------------------
    tts_dim: int = 192                  # Piper's decoder input (z x mask), see speech issue
    tts_fps: float = PIPER_FEATURE_FPS
    enc_dim: int = 384                  # Whisper tiny.en encoder width
    model_fps: float = 50.0             # Whisper's encoder frame rate; adapter and decoder run at this rate
    n_emotions: int = 8
    n_channels: int = 52

    # --- adapter: TTS features -> encoder feature space (UniTAF's projector, sized for CPU) ---------
    adapter_hidden: int = 128
    adapter_groups: int = 8

    # --- decoder: encoder-space features + emotion -> ARKit-52 -----------------------------------
    decoder_dim: int = 128
    decoder_kernel: int = 5
    decoder_dilations: tuple[int, ...] = (1, 2, 4, 8, 1, 2)
    dropout: float = 0.1

    # --- inference windows (decoder frames at model_fps) -------------------------------------------
    window_frames: int = 1000           # 20 s
    window_overlap: int = 120           # >= receptive field, so joins are exact (see infer.py)

    # --- training -------------------------------------------------------------------------------
    seed: int = 1234
    batch_size: int = 16
    crop_frames: int = 160              # random 3.2 s crops at model_fps
    stage1_steps: int = 1000
    stage1_lr: float = 2e-3
    stage2_steps: int = 10000
    stage2_lr: float = 1e-3
    weight_decay: float = 1e-4
    grad_clip: float = 1.0
    # face loss = w_weights * weight-space MSE + w_vertex * mouth-state-aware vertex loss + w_velocity * velocity
    w_weights: float = 1.0
    key_channel_weight: float = 5.0     # jawOpen, mouthClose, mouthRollLower... vs the other channels
    # frames with a rounded, tucked or closed lip shape weigh 1 + gain * that channel (losses.lip_shape_weight)
    lip_shape_gain: float = 4.0
    w_vertex: float = 5.0
    w_velocity: float = 1.0
    # feature-consistency term in stage 2 keeps the adapter's output in the encoder's space
    w_feature: float = 0.1
    # the paper's mouth-state weights: w = base + gain * (openness - 0.5)^2
    mouth_weight_base: float = 0.1
    mouth_weight_gain: float = 3.0
    eval_every: int = 1000
    checkpoint_every: int = 500
    num_threads: int = 0                # 0 = torch's default

    @property
    def receptive_field(self) -> int:
        """Frames of context the decoder sees on each side of a frame (plus the adapter's 3)."""
        return (self.decoder_kernel - 1) // 2 * sum(self.decoder_dilations) + 3

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> A2FConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise BadInput(f"unknown A2F config field(s): {', '.join(unknown)}")
        values = dict(d)
        if "decoder_dilations" in values:
            values["decoder_dilations"] = tuple(int(x) for x in values["decoder_dilations"])
        return cls(**values)


PRESETS: dict[str, A2FConfig] = {
    # shipped: trains on a 2-core CPU in at most 90 minutes (see docs/model_card.md)
    "cpu": A2FConfig(),
    # a few minutes, to check the whole loop end to end
    "smoke": A2FConfig(stage1_steps=30, stage2_steps=60, batch_size=4, crop_frames=120,
                       eval_every=30, checkpoint_every=30),
    # the same model trained longer with bigger batches, for a GPU
    "gpu": A2FConfig(decoder_dim=256, adapter_hidden=192, batch_size=64, crop_frames=300,
                     stage1_steps=4000, stage2_steps=30000, eval_every=2000, checkpoint_every=2000),
}


def load_config(preset: str = "cpu", path: str | Path | None = None) -> A2FConfig:
    """A preset, optionally overridden field by field from a JSON file."""
    if preset not in PRESETS:
        raise BadInput(f"unknown A2F preset {preset!r}; choose one of: {', '.join(PRESETS)}")
    cfg = PRESETS[preset]
    if path is None:
        return cfg
    try:
        overrides = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise BadInput(f"cannot read A2F config {path}: {err}") from None
    if not isinstance(overrides, dict):
        raise BadInput(f"A2F config {path} must be a JSON object")
    return replace(cfg, **A2FConfig.from_dict({**cfg.to_dict(), **overrides}).to_dict())


# --- the training corpus: how many sentences each voice family speaks (a2f/corpus.py makes it) ---
@dataclass(frozen=True)
class CorpusSpec:
    piper_sentences: int = 2400
    espeak_sentences: int = 1600
    val_fraction: float = 0.03
    neutral_fraction: float = 0.35
    augment_probability: float = 0.8
    seed: int = 7


CORPUS_PRESETS: dict[str, CorpusSpec] = {
    "cpu": CorpusSpec(),
    "smoke": CorpusSpec(piper_sentences=24, espeak_sentences=16, val_fraction=0.2),
    "gpu": CorpusSpec(piper_sentences=8000, espeak_sentences=6000),
}
