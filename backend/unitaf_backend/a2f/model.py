"""The A2F networks: the adapter (TTS features -> audio-encoder space) and the decoder (-> ARKit-52).

Both are small 1-D convolution stacks over time. Every normalisation is per frame (BatchNorm in eval mode,
LayerNorm over channels), so the output at a frame depends only on a fixed window of input frames around it:
that is what lets long inputs be processed in overlapping windows with joins that are exact (infer.py).
Time runs at `model_fps` (50 fps, the Whisper encoder's rate) inside both networks.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .config import A2FConfig


def resample_time(x: torch.Tensor, src_fps: float, dst_fps: float, n_out: int,
                  offset: torch.Tensor | None = None) -> torch.Tensor:
    """Linear interpolation along time of x [B, T, C]: output frame i is at i / dst_fps seconds,
    input frame k at k / src_fps; `offset` [B] (input frames) shifts where each row's output starts.
    Times past the last input frame hold its value."""
    n_in = x.shape[1]
    pos = torch.arange(n_out, dtype=torch.float64, device=x.device) * (src_fps / dst_fps)
    pos = pos.unsqueeze(0).expand(x.shape[0], -1)
    if offset is not None:
        pos = pos + offset.to(torch.float64).view(-1, 1)
    pos = pos.clamp(0, n_in - 1)
    lo = pos.floor().long()
    hi = (lo + 1).clamp(max=n_in - 1)
    frac = (pos - lo.to(torch.float64)).to(x.dtype).unsqueeze(-1)
    idx = lambda i: i.unsqueeze(-1).expand(-1, -1, x.shape[2])
    return torch.gather(x, 1, idx(lo)) * (1 - frac) + torch.gather(x, 1, idx(hi)) * frac


class ChannelNorm(nn.Module):
    """LayerNorm over channels of a [B, C, T] tensor (per frame, so windowing stays exact)."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.transpose(1, 2)).transpose(1, 2)


class BottleneckBlock(nn.Module):
    """Residual conv block with BatchNorm + ReLU (UniTAF's projector block); a 1x1 conv fixes the skip
    when the width changes."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 1, groups: int = 1):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel, padding=kernel // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm1d(c_out)
        self.skip = nn.Identity() if c_in == c_out else nn.Conv1d(c_in, c_out, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)) + self.skip(x))


class Adapter(nn.Module):
    """TTS features [B, T_tts, tts_dim] at tts_fps -> encoder-space features [B, T, enc_dim] at model_fps."""

    def __init__(self, cfg: A2FConfig):
        super().__init__()
        self.cfg = cfg
        h = cfg.adapter_hidden
        self.blocks = nn.Sequential(
            BottleneckBlock(cfg.tts_dim, h, kernel=1),
            BottleneckBlock(h, h, kernel=3, groups=cfg.adapter_groups),
            BottleneckBlock(h, h, kernel=3, groups=cfg.adapter_groups),
        )
        self.out = nn.Conv1d(h, cfg.enc_dim, 1)
        self.norm = nn.LayerNorm(cfg.enc_dim)
        self.scale = nn.Parameter(torch.ones(()))

    def n_frames(self, n_tts_frames: int) -> int:
        return max(1, round(n_tts_frames * self.cfg.model_fps / self.cfg.tts_fps))

    def forward(self, tts: torch.Tensor, n_out: int | None = None, offset: torch.Tensor | None = None) -> torch.Tensor:
        """`offset` [B]: position, in TTS frames, of each row's first output frame (for training crops)."""
        n = self.n_frames(tts.shape[1]) if n_out is None else n_out
        return self.project(resample_time(tts, self.cfg.tts_fps, self.cfg.model_fps, n, offset))

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """TTS features already at model_fps [B, T, tts_dim] -> encoder space [B, T, enc_dim] (the part
        that is exported to ONNX; the time resampling runs outside the graph)."""
        x = self.out(self.blocks(x.transpose(1, 2))).transpose(1, 2)
        return self.norm(x) * self.scale


class DecoderBlock(nn.Module):
    def __init__(self, dim: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.norm = ChannelNorm(dim)
        self.conv = nn.Conv1d(dim, dim, kernel, padding=dilation * (kernel - 1) // 2, dilation=dilation)
        self.mix = nn.Conv1d(dim, dim, 1)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.drop(self.mix(F.gelu(self.conv(self.norm(x)))))


class Decoder(nn.Module):
    """Encoder-space features [B, T, enc_dim] + emotion [B, 8] (or per frame [B, T, 8])
    -> ARKit-52 weights [B, T, 52] in [0, 1]."""

    def __init__(self, cfg: A2FConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.decoder_dim
        self.in_norm = nn.LayerNorm(cfg.enc_dim)
        self.inp = nn.Linear(cfg.enc_dim, d)
        self.emotion = nn.Linear(cfg.n_emotions, d)
        self.blocks = nn.Sequential(
            *[DecoderBlock(d, cfg.decoder_kernel, dil, cfg.dropout) for dil in cfg.decoder_dilations]
        )
        self.out_norm = ChannelNorm(d)
        self.head = nn.Conv1d(d, cfg.n_channels, 1)

    def forward(self, feats: torch.Tensor, emotion: torch.Tensor) -> torch.Tensor:
        emo = self.emotion(emotion)
        x = self.inp(self.in_norm(feats)) + (emo.unsqueeze(1) if emo.dim() == 2 else emo)
        x = self.blocks(x.transpose(1, 2))
        return torch.sigmoid(self.head(self.out_norm(x))).transpose(1, 2)


class A2FModel(nn.Module):
    """Adapter + decoder, saved and loaded together with the config they were built from."""

    def __init__(self, cfg: A2FConfig):
        super().__init__()
        self.cfg = cfg
        self.adapter = Adapter(cfg)
        self.decoder = Decoder(cfg)

    def from_tts(self, tts: torch.Tensor, emotion: torch.Tensor, n_out: int | None = None) -> torch.Tensor:
        return self.decoder(self.adapter(tts, n_out), emotion)

    def from_encoder(self, feats: torch.Tensor, emotion: torch.Tensor) -> torch.Tensor:
        return self.decoder(feats, emotion)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
