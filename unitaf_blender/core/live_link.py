"""Live Link Face CSV from the scene: what Unreal's importer and MetaHuman users read. Pure logic, no bpy.

Columns: ``Timecode,BlendShapeCount,`` the 52 ARKit names capitalised, then HeadYaw, HeadPitch, HeadRoll
and the two eyes' yaw, pitch, roll (radians; the eyes' from the eyeLook channels). The app records time
of day at 60 fps, so a file starts at a timecode (``HH:MM:SS:FF`` at the file's rate) and counts on in
``HH:MM:SS:FF.mmm`` (whole frames within the second, then the sub-frame in thousandths).
"""

from __future__ import annotations

import math
import re

import numpy as np

from .channels import ARKIT_CHANNELS

LIVE_LINK_NAMES: tuple[str, ...] = tuple(n[0].upper() + n[1:] for n in ARKIT_CHANNELS)
EXTRA_NAMES: tuple[str, ...] = ("HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
                                "RightEyeYaw", "RightEyePitch", "RightEyeRoll")
EYE_RANGE_RAD = 0.5                     # a full eyeLook channel turns the eye this far (as the backend's CSV)
DEFAULT_FPS = 60.0
_TIMECODE = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})[:;](\d{2})$")


class TimecodeError(ValueError):
    """A start timecode that cannot be read: one clear line."""


def parse_timecode(text: str, fps: float) -> float:
    """'HH:MM:SS:FF' at `fps` -> seconds."""
    m = _TIMECODE.match(text.strip())
    if m is None:
        raise TimecodeError(f"start timecode {text!r} is not HH:MM:SS:FF")
    hh, mm, ss, ff = (int(g) for g in m.groups())
    if mm > 59 or ss > 59 or ff >= math.ceil(fps) or hh > 23:
        raise TimecodeError(f"start timecode {text!r} is out of range at {fps:g} fps")
    return hh * 3600 + mm * 60 + ss + ff / float(fps)


def timecode(seconds: float, fps: float) -> str:
    """HH:MM:SS:FF.mmm of a time, at `fps` (wraps at 24 hours, as a time of day does)."""
    whole_s = math.floor(seconds + 1e-9)
    frames_in = (seconds - whole_s) * fps
    whole_f = math.floor(frames_in + 1e-6)
    sub = round((frames_in - whole_f) * 1000.0)
    if sub >= 1000:
        whole_f, sub = whole_f + 1, 0
    hh, rem = divmod(int(whole_s) % 86400, 3600)
    mm, ss = divmod(rem, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}:{whole_f:02d}.{sub:03d}"


def eye_angles(weights: np.ndarray) -> np.ndarray:
    """[T, 6] left then right eye yaw (to the character's left), pitch (up), roll (0) from eyeLook."""
    c = {name: i for i, name in enumerate(ARKIT_CHANNELS)}
    out = np.zeros((len(weights), 6))
    for k, side, left, right in ((0, "Left", "Out", "In"), (3, "Right", "In", "Out")):
        out[:, k] = EYE_RANGE_RAD * (weights[:, c[f"eyeLook{left}{side}"]] - weights[:, c[f"eyeLook{right}{side}"]])
        out[:, k + 1] = EYE_RANGE_RAD * (weights[:, c[f"eyeLookUp{side}"]] - weights[:, c[f"eyeLookDown{side}"]])
    return out


def csv_text(weights: np.ndarray, head: np.ndarray | None, fps: float, start_seconds: float = 0.0) -> str:
    """The file's text: weights [T, 52] in ARKit order, head [T, 3] yaw/pitch/roll or None, row i at
    start + i / fps."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != len(ARKIT_CHANNELS):
        raise ValueError(f"weights must be [T, {len(ARKIT_CHANNELS)}], got {list(w.shape)}")
    h = np.zeros((len(w), 3)) if head is None else np.asarray(head, dtype=np.float64)
    extra = np.concatenate([h, eye_angles(w)], axis=1)
    count = len(LIVE_LINK_NAMES) + len(EXTRA_NAMES)
    rows = [",".join(("Timecode", "BlendShapeCount", *LIVE_LINK_NAMES, *EXTRA_NAMES))]
    for i in range(len(w)):
        values = ",".join(f"{v:.6f}" for v in np.concatenate([w[i], extra[i]]))
        rows.append(f"{timecode(start_seconds + i / fps, fps)},{count},{values}")
    return "\n".join(rows) + "\n"
