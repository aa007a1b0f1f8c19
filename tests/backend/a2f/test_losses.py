"""The training losses, checked against explicit per-vertex computation on a small synthetic head."""

import numpy as np
import pytest
import torch
from unitaf_backend.a2f import losses
from unitaf_backend.channels import CHANNEL_INDEX

JAW = CHANNEL_INDEX["jawOpen"]


def _head(seed=0, n_vertices=40):
    rng = np.random.default_rng(seed)
    offsets = rng.normal(0, 0.01, (52, n_vertices, 3))
    upper, lower = np.array([0, 1]), np.array([2, 3])
    offsets[JAW, lower, 1] = -0.2     # jawOpen drops the lower lip by 0.2 units (y up)
    offsets[JAW, upper, 1] = 0.0
    mouth = np.zeros(n_vertices, bool)
    mouth[:15] = True
    return offsets, mouth, upper, lower


def test_weighting_matches_the_paper_formula():
    o = torch.linspace(0, 1, 11)
    np.testing.assert_allclose(losses.mouth_state_weight(o).numpy(), (0.1 + 3.0 * (o - 0.5) ** 2).numpy())
    assert losses.mouth_state_weight(torch.tensor(0.5)).item() == pytest.approx(0.1)
    assert losses.mouth_state_weight(torch.tensor(0.0)).item() == pytest.approx(0.85)
    assert losses.mouth_state_weight(torch.tensor(1.0)).item() == pytest.approx(0.85)


def test_openness_is_normalised_between_neutral_and_jaw_open():
    offsets, mouth, upper, lower = _head()
    basis = losses.VertexBasis.from_arrays(offsets, mouth, upper, lower, up_axis=1)
    w = torch.zeros(1, 3, 52)
    w[0, 1, JAW] = 0.5
    w[0, 2, JAW] = 1.0
    np.testing.assert_allclose(losses.mouth_openness(w, basis)[0].numpy(), [0.0, 0.5, 1.0], atol=1e-5)


def test_vertex_loss_equals_explicit_per_vertex_computation():
    offsets, mouth, upper, lower = _head()
    basis = losses.VertexBasis.from_arrays(offsets, mouth, upper, lower, up_axis=1)
    g = torch.Generator().manual_seed(3)
    gt = torch.rand(2, 9, 52, generator=g) * 0.6
    pred = torch.rand(2, 9, 52, generator=g) * 0.6
    got = losses.vertex_loss(pred, gt, basis)

    # the paper's definition, vertex by vertex, with offsets in jaw-opening units
    unit = 0.2
    o = torch.tensor(offsets / unit, dtype=torch.float32)
    v_gt = torch.einsum("btk,kvc->btvc", gt, o)
    v_pred = torch.einsum("btk,kvc->btvc", pred, o)
    sq = (v_gt - v_pred) ** 2
    gap = v_gt[..., upper, 1].mean(-1) - v_gt[..., lower, 1].mean(-1)     # opening relative to neutral
    w_t = 0.1 + 3.0 * (gap.clamp(0, 1) - 0.5) ** 2
    m = torch.tensor(mouth)
    expected = (w_t * sq[:, :, m].mean((-1, -2)) + sq[:, :, ~m].mean((-1, -2))).mean()
    assert got.item() == pytest.approx(expected.item(), rel=1e-4)


def test_closed_and_open_frames_weigh_more_than_half_open_ones():
    offsets, mouth, upper, lower = _head()
    offsets[CHANNEL_INDEX["mouthFunnel"], ~mouth] = 0.0     # an error that shows on mouth vertices only
    basis = losses.VertexBasis.from_arrays(offsets, mouth, upper, lower, up_axis=1)
    err = torch.zeros(1, 1, 52)
    err[0, 0, CHANNEL_INDEX["mouthFunnel"]] = 0.3

    def loss_at(jaw):
        gt = torch.zeros(1, 1, 52)
        gt[0, 0, JAW] = jaw
        return losses.vertex_loss(gt + err, gt, basis).item()

    assert loss_at(0.0) == pytest.approx(8.5 * loss_at(0.5), rel=1e-4)
    assert loss_at(1.0) == pytest.approx(8.5 * loss_at(0.5), rel=1e-4)


def test_weight_and_velocity_losses_respect_the_mask():
    gt = torch.zeros(1, 6, 52)
    pred = torch.zeros(1, 6, 52)
    pred[0, 4:] = 1.0                         # wrong only in masked-out frames
    mask = torch.tensor([[True, True, True, True, False, False]])
    assert losses.weight_loss(pred, gt, mask).item() == 0.0
    assert losses.velocity_loss(pred, gt, mask).item() == 0.0
    assert losses.weight_loss(pred, gt).item() > 0.0
    assert losses.velocity_loss(pred, gt).item() > 0.0


def test_head_where_jaw_open_does_not_open_the_lips_is_rejected():
    offsets, mouth, upper, lower = _head()
    with pytest.raises(ValueError, match="jawOpen"):
        losses.VertexBasis.from_arrays(offsets, mouth, upper, lower, up_axis=0)


def test_key_channels_weigh_more_and_weights_average_to_one():
    w = losses.channel_weights(3.0)
    assert w.mean().item() == pytest.approx(1.0)
    assert w[CHANNEL_INDEX["mouthClose"]] == pytest.approx(3 * w[CHANNEL_INDEX["eyeBlinkLeft"]])
    gt = torch.zeros(1, 2, 52)
    off_key, on_key = gt.clone(), gt.clone()
    off_key[..., CHANNEL_INDEX["cheekPuff"]] = 0.5
    on_key[..., CHANNEL_INDEX["mouthRollLower"]] = 0.5
    assert losses.weight_loss(on_key, gt, weights=w) == pytest.approx(3 * losses.weight_loss(off_key, gt, weights=w).item())


def test_lip_shape_frames_weigh_more_in_the_weight_loss():
    gt = torch.zeros(1, 2, 52)
    gt[0, 1, CHANNEL_INDEX["mouthPucker"]] = 0.5          # frame 1 is a rounded vowel, frame 0 is neutral
    gt[0, 1, CHANNEL_INDEX["mouthFunnel"]] = 0.25
    w = losses.lip_shape_weight(gt, gain=4.0)
    assert w[0].tolist() == pytest.approx([1.0, 3.0])     # 1 + 4 * max(0.5, 0.25)
    err = torch.zeros(1, 2, 52)
    err[..., CHANNEL_INDEX["jawOpen"]] = 0.1                # the same error on both frames
    neutral_only = losses.weight_loss(gt + err, gt, torch.tensor([[True, False]]), frame_weights=w)
    rounded_only = losses.weight_loss(gt + err, gt, torch.tensor([[False, True]]), frame_weights=w)
    assert rounded_only.item() == pytest.approx(3 * neutral_only.item())
