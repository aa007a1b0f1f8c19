"""Training losses: weight-space error, UniTAF's mouth-state-aware vertex loss, and a velocity term.

The vertex loss is computed on the reference head. Its vertices are linear in the ARKit weights,
v(w) = basis + w @ offsets, so the error between two weight vectors at a vertex is (w_gt - w_pred) @ offsets.
Summing squared errors over a set of vertices therefore equals dw @ G @ dw with the Gram matrix
G = O O^T [52, 52] of that set's offsets: the loss is exact over every vertex of the head yet costs no more
than the weight-space error. Offsets are measured in units of the head's full jaw opening (the lip gap that
jawOpen=1 makes), so the figures do not depend on the asset's length unit.

Mouth-state weighting (UniTAF): the mouth opening o_t of the ground-truth mesh (vertical lip gap) is
normalised to [0, 1] between the closed reference (neutral) and the open one (jawOpen = 1), and
w_t = 0.1 + 3.0 * (o_t - 0.5)^2, so fully closed and fully open frames (0.85) weigh 8.5x half-open ones
(0.1). Loss = mean over frames of w_t * squared error on mouth vertices, plus the plain squared error on
the other vertices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..channels import CHANNEL_INDEX

JAW_OPEN = CHANNEL_INDEX["jawOpen"]


def mouth_state_weight(openness: torch.Tensor, base: float = 0.1, gain: float = 3.0) -> torch.Tensor:
    """UniTAF's per-frame weight from the normalised mouth opening in [0, 1]."""
    return base + gain * (openness - 0.5) ** 2


@dataclass(frozen=True)
class VertexBasis:
    """What the vertex loss needs from a head, reduced to [52, 52] matrices and a [52] opening gradient."""

    gram_mouth: torch.Tensor     # [52, 52] sum over mouth vertices and xyz of offset products, / count
    gram_other: torch.Tensor     # [52, 52] the same over the other vertices
    opening_grad: torch.Tensor   # [52] change of the lip gap per unit weight, in jaw-opening units

    @classmethod
    def from_arrays(cls, offsets: np.ndarray, mouth_mask: np.ndarray, upper_lip: np.ndarray,
                    lower_lip: np.ndarray, up_axis: int) -> VertexBasis:
        """offsets [52, V, 3]; mouth_mask bool [V]; upper/lower lip vertex indices (their mean heights
        give the lip gap); up_axis: which coordinate is vertical."""
        offsets = np.asarray(offsets, dtype=np.float64)
        mouth_mask = np.asarray(mouth_mask, dtype=bool)
        if offsets.ndim != 3 or offsets.shape[0] != 52 or offsets.shape[2] != 3:
            raise ValueError(f"offsets must be [52, V, 3], got {offsets.shape}")
        if mouth_mask.shape != (offsets.shape[1],) or not mouth_mask.any():
            raise ValueError("mouth_mask must be a non-empty boolean mask over the vertices")
        grad = offsets[:, upper_lip, up_axis].mean(axis=1) - offsets[:, lower_lip, up_axis].mean(axis=1)
        unit = grad[JAW_OPEN]
        if unit <= 0:
            raise ValueError("jawOpen does not open the lips on this head (check up_axis and lip vertices)")
        scaled = offsets / unit

        def gram(mask: np.ndarray) -> torch.Tensor:
            o = scaled[:, mask].reshape(52, -1)
            return torch.tensor(o @ o.T / max(1, o.shape[1]), dtype=torch.float32)

        return cls(gram_mouth=gram(mouth_mask), gram_other=gram(~mouth_mask),
                   opening_grad=torch.tensor(grad / unit, dtype=torch.float32))

    def to(self, device: torch.device | str) -> VertexBasis:
        return VertexBasis(self.gram_mouth.to(device), self.gram_other.to(device), self.opening_grad.to(device))


def load_vertex_basis() -> VertexBasis:
    """The vertex basis of the project's reference head (backend/unitaf_backend/head)."""
    from ..head import load_reference_head

    head = load_reference_head()
    return VertexBasis.from_arrays(
        offsets=head.offsets, mouth_mask=head.mouth_mask, upper_lip=head.upper_lip,
        lower_lip=head.lower_lip, up_axis=head.up_axis,
    )


def _masked_mean(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean of x [B, T] over frames where mask [B, T] is True."""
    if mask is None:
        return x.mean()
    m = mask.to(x.dtype)
    return (x * m).sum() / m.sum().clamp(min=1.0)


# Channels whose short, decisive events the evaluator checks (lip closure, lower-lip tuck, rounding, jaw):
# a plain MSE lets a regression shave their peaks, so they can be weighted up.
KEY_CHANNELS: tuple[str, ...] = ("jawOpen", "mouthClose", "mouthRollLower", "mouthRollUpper", "mouthPucker",
                                 "mouthFunnel", "mouthPressLeft", "mouthPressRight")


def channel_weights(key_weight: float) -> torch.Tensor:
    """[52] weights averaging to 1: the key channels `key_weight` times the others."""
    w = torch.ones(52)
    w[[CHANNEL_INDEX[n] for n in KEY_CHANNELS]] = key_weight
    return w / w.mean()


# The lip shapes the openness measure cannot see: a rounded vowel or an f is "half open", where the
# mouth-state weight is smallest, yet a viewer reads it at once. Their channels in the ground truth
# raise a frame's weight in the weight-space loss.
LIP_SHAPE_CHANNELS: tuple[str, ...] = ("mouthPucker", "mouthFunnel", "mouthRollLower", "mouthClose")


def lip_shape_weight(gt: torch.Tensor, gain: float) -> torch.Tensor:
    """Per-frame weight [B, T] = 1 + gain * the strongest lip-shape channel of the ground truth."""
    idx = [CHANNEL_INDEX[n] for n in LIP_SHAPE_CHANNELS]
    return 1.0 + gain * gt[..., idx].amax(-1)


def weight_loss(pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor | None = None,
                weights: torch.Tensor | None = None, frame_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Weight-space squared error per frame (optionally weighted per channel and per frame), mean over
    valid frames."""
    sq = (pred - gt) ** 2
    per_frame = sq.mean(-1) if weights is None else (sq * weights).mean(-1)
    if frame_weights is not None:
        per_frame = per_frame * frame_weights
    return _masked_mean(per_frame, mask)


def velocity_loss(pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    dp, dg = pred[:, 1:] - pred[:, :-1], gt[:, 1:] - gt[:, :-1]
    m = None if mask is None else (mask[:, 1:] & mask[:, :-1])
    return _masked_mean(((dp - dg) ** 2).mean(-1), m)


def mouth_openness(gt: torch.Tensor, basis: VertexBasis) -> torch.Tensor:
    """Normalised mouth opening [B, T] of the ground-truth weights: 0 closed (neutral), 1 = jawOpen=1."""
    return (gt @ basis.opening_grad).clamp(0.0, 1.0)


def vertex_loss(pred: torch.Tensor, gt: torch.Tensor, basis: VertexBasis, mask: torch.Tensor | None = None,
                base: float = 0.1, gain: float = 3.0) -> torch.Tensor:
    """Mouth-state-aware vertex loss over every vertex of the head (exact, through the Gram matrices)."""
    dw = pred - gt
    err_mouth = ((dw @ basis.gram_mouth) * dw).sum(-1)
    err_other = ((dw @ basis.gram_other) * dw).sum(-1)
    w = mouth_state_weight(mouth_openness(gt, basis), base, gain)
    return _masked_mean(w * err_mouth + err_other, mask)
