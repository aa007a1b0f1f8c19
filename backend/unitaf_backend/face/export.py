"""Writing and reading face animation files: 16-bit WAV, NPZ and Live Link Face CSV.

* ``save_npz`` writes ``weights`` (float32 [T, 52]), ``channels`` (the 52 names) and ``fps`` (and
  ``head`` [T, 3] radians when the animation has head motion) to exactly the path given.
* ``save_live_link_csv`` writes the CSV the Live Link Face app records and Unreal's importer reads:
  ``Timecode,BlendShapeCount,`` + the 52 names capitalised (EyeBlinkLeft, ...) + HeadYaw, HeadPitch,
  HeadRoll, LeftEyeYaw, LeftEyePitch, LeftEyeRoll, RightEyeYaw, RightEyePitch, RightEyeRoll.
  Timecode is ``HH:MM:SS:FF.mmm``: whole frames FF within the second at the animation's fps, then the
  sub-frame fraction in thousandths (the app writes its frame rate's frames this way); the first frame is
  00:00:00:00.000. BlendShapeCount is 61 (52 shapes + 9 rotations). Rotations are radians; the eye
  rotations are derived from the eyeLook channels (a full eyeLook = EYE_LOOK_RAD).
"""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np

from ..channels import ARKIT_CHANNELS, CHANNEL_INDEX, LIVE_LINK_CHANNELS, LIVE_LINK_EXTRA
from ..errors import BadInput
from .animation import FaceAnimation

EYE_LOOK_RAD = 0.5   # eye rotation of a full eyeLook channel (about 29 degrees)


def save_wav(audio: np.ndarray, sample_rate: int, path: str | Path) -> None:
    """Mono 16-bit PCM WAV; samples are clipped to [-1, 1]."""
    x = np.asarray(audio, dtype=np.float64)
    if x.ndim != 1:
        raise BadInput(f"audio must be mono [N], got shape {list(x.shape)}")
    if int(sample_rate) <= 0:
        raise BadInput(f"sample rate must be positive, got {sample_rate}")
    if not np.isfinite(x).all():
        raise BadInput("audio contains NaN or infinity")
    pcm = np.round(np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(int(sample_rate))
        f.writeframes(pcm.tobytes())


def _checked_weights(anim: FaceAnimation) -> np.ndarray:
    w = np.asarray(anim.weights, dtype=np.float32)
    if w.ndim != 2 or w.shape[1] != len(ARKIT_CHANNELS):
        raise BadInput(f"weights must be [T, {len(ARKIT_CHANNELS)}], got {list(w.shape)}")
    if tuple(anim.channels) != ARKIT_CHANNELS:
        raise BadInput("animation channels are not the 52 ARKit channels in Apple's order")
    if not (math.isfinite(anim.fps) and anim.fps > 0):
        raise BadInput(f"fps must be positive, got {anim.fps}")
    return w


def save_npz(anim: FaceAnimation, path: str | Path) -> None:
    """weights, channels, fps (+ head when present) to exactly ``path`` (no suffix added)."""
    w = _checked_weights(anim)
    arrays: dict[str, np.ndarray] = {
        "weights": w,
        "channels": np.array(ARKIT_CHANNELS),
        "fps": np.array(float(anim.fps)),
    }
    if anim.head is not None:
        arrays["head"] = np.asarray(anim.head, dtype=np.float32)
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays)


def load_npz(path: str | Path) -> tuple[np.ndarray, tuple[str, ...], float]:
    """(weights float32 [T, 52], channel names, fps) from a file written by save_npz."""
    try:
        with np.load(path, allow_pickle=False) as data:
            weights = np.asarray(data["weights"], dtype=np.float32)
            channels = tuple(str(c) for c in data["channels"])
            fps = float(data["fps"])
    except (OSError, ValueError, KeyError) as err:
        raise BadInput(f"cannot read animation {path}: {err}") from None
    if weights.ndim != 2 or weights.shape[1] != len(channels):
        raise BadInput(f"{path}: weights {list(weights.shape)} do not match {len(channels)} channels")
    return weights, channels, fps


def timecode(frame: int, fps: float) -> str:
    """Live Link Face timecode HH:MM:SS:FF.mmm of frame i (at i / fps seconds)."""
    t = frame / fps
    seconds = math.floor(t + 1e-9)
    frames_in = (t - seconds) * fps
    whole = math.floor(frames_in + 1e-6)
    sub = round((frames_in - whole) * 1000.0)
    if sub >= 1000:
        whole, sub = whole + 1, 0
    hh, rem = divmod(seconds, 3600)
    mm, ss = divmod(rem, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}:{whole:02d}.{sub:03d}"


def eye_rotations(weights: np.ndarray) -> np.ndarray:
    """[T, 6] LeftEyeYaw, LeftEyePitch, LeftEyeRoll, RightEyeYaw, RightEyePitch, RightEyeRoll in radians.

    Yaw is positive towards the character's left, pitch positive looking up; the roll is 0.
    """
    c = CHANNEL_INDEX
    out = np.zeros((len(weights), 6), dtype=np.float64)
    for k, side, toward_left, toward_right in ((0, "Left", "Out", "In"), (3, "Right", "In", "Out")):
        out[:, k] = EYE_LOOK_RAD * (weights[:, c[f"eyeLook{toward_left}{side}"]]
                                    - weights[:, c[f"eyeLook{toward_right}{side}"]])
        out[:, k + 1] = EYE_LOOK_RAD * (weights[:, c[f"eyeLookUp{side}"]] - weights[:, c[f"eyeLookDown{side}"]])
    return out


def save_live_link_csv(anim: FaceAnimation, path: str | Path) -> None:
    """Live Link Face CSV (see the module notes for the columns and the timecode)."""
    w = _checked_weights(anim)
    head = np.zeros((len(w), 3)) if anim.head is None else np.asarray(anim.head, dtype=np.float64)
    if head.shape != (len(w), 3):
        raise BadInput(f"head must be [T, 3] like the weights, got {list(head.shape)}")
    extra = np.concatenate([head, eye_rotations(w.astype(np.float64))], axis=1)
    count = len(LIVE_LINK_CHANNELS) + len(LIVE_LINK_EXTRA)
    header = ",".join(("Timecode", "BlendShapeCount") + LIVE_LINK_CHANNELS + LIVE_LINK_EXTRA)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(header + "\n")
        for i in range(len(w)):
            values = ",".join(f"{v:.6f}" for v in np.concatenate([w[i], extra[i]]))
            f.write(f"{timecode(i, anim.fps)},{count},{values}\n")
