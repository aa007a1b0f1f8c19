"""Per-frame viseme weights: non-negative, at most 1, fitting the ARKit mouth, smooth in time.

For frames x_t (mouth features) and signatures S (one row per viseme), find W (frames x visemes) in
[0, 1] minimising

    sum_t |(w_t S - x_t) * f|^2  +  sum_k smooth_k sum_t ((w_t - w_{t-1}) q_k)^2  +  ridge * |W|^2

(f: the feature weights; q_k the eigenvectors of the signatures' Gram matrix). The smoothness term keeps
near-equal visemes (E and I) from trading places frame by frame. It is strongest along the directions
the signatures barely tell apart (small Gram eigenvalues, where noise would flicker) and weak along those
they tell apart clearly, so a real change of viseme (a closure) is not smeared. The tiny ridge makes the
problem strictly convex. Solved for all frames at once by ADMM:
the unconstrained step is exact and cheap because the signatures' Gram matrix is diagonalised once by its
eigenvectors and the time-smoothness term by the discrete cosine transform (done with numpy's FFT), so
each iteration is two FFTs and two small matrix products; the box [0, 1] is a clip. No per-frame loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SMOOTH_PER_FRAME_AT_30FPS = 0.02   # the smoothness weight at 30 fps along directions the signatures cannot
                                   # tell apart; scaled by (fps / 30)^2 so the same motion costs the same
                                   # per second at any frame rate
WELL_TOLD_APART = 0.05             # a Gram eigenvalue this large halves the smoothness along it
RIDGE = 1e-4


@dataclass(frozen=True)
class SolverSettings:
    smooth: float = SMOOTH_PER_FRAME_AT_30FPS
    ridge: float = RIDGE
    iterations: int = 400


def dct2(x: np.ndarray) -> np.ndarray:
    """DCT-II along axis 0: X_k = sum_n x_n cos(pi (n + 1/2) k / N)."""
    n = x.shape[0]
    spectrum = np.fft.rfft(np.concatenate([x, x[::-1]], axis=0), axis=0)[:n]
    phase = np.exp(-1j * np.pi * np.arange(n) / (2 * n))[:, None]
    return 0.5 * np.real(phase * spectrum)


def idct2(big_x: np.ndarray) -> np.ndarray:
    """The inverse of `dct2` along axis 0."""
    n = big_x.shape[0]
    scale = np.full(n, 2.0 / n)
    scale[0] = 1.0 / n
    z = np.zeros((2 * n, big_x.shape[1]), dtype=complex)
    z[:n] = (scale * np.exp(1j * np.pi * np.arange(n) / (2 * n)))[:, None] * big_x
    return np.real(np.fft.ifft(z, axis=0)[:n]) * (2 * n)


def solve_viseme_weights(features: np.ndarray, signatures: np.ndarray, feature_weights: np.ndarray,
                         fps: float = 30.0, settings: SolverSettings = SolverSettings()) -> np.ndarray:
    """[T, K] float32 weights in [0, 1] for `features` [T, F] given `signatures` [K, F]."""
    x = np.asarray(features, dtype=np.float64)
    s = np.asarray(signatures, dtype=np.float64)
    n_frames, n_visemes = x.shape[0], s.shape[0]
    if n_frames == 0 or n_visemes == 0:
        return np.zeros((n_frames, n_visemes), dtype=np.float32)
    a = s * feature_weights[None, :]                  # [K, F]
    gram_eig, basis = np.linalg.eigh(a @ a.T)         # Gram = basis diag(gram_eig) basis^T
    rhs = (x * feature_weights[None, :]) @ a.T        # [T, K]
    smooth = settings.smooth * (fps / 30.0) ** 2 * WELL_TOLD_APART / (gram_eig + WELL_TOLD_APART)   # [K]
    # The path graph's Laplacian (sum of squared frame-to-frame changes) in the DCT basis.
    time_eig = 2.0 - 2.0 * np.cos(np.pi * np.arange(n_frames) / n_frames)
    rho = float(np.sqrt(max(gram_eig[0], 1e-6) * gram_eig[-1]))   # ADMM penalty: the Gram's middle scale
    inverse = 1.0 / (gram_eig[None, :] + settings.ridge + rho + smooth[None, :] * time_eig[:, None])

    def unconstrained(m: np.ndarray) -> np.ndarray:
        return idct2(dct2(m @ basis) * inverse) @ basis.T

    z = np.clip(unconstrained(rhs), 0.0, 1.0)
    u = np.zeros_like(z)
    for _ in range(settings.iterations):
        w = unconstrained(rhs + rho * (z - u))
        z = np.clip(w + u, 0.0, 1.0)
        u += w - z
    return z.astype(np.float32)
