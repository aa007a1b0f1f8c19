"""How emotion changes the voice: a table per preset, and the settings a caller may force on top.

Each preset at intensity 1 changes, relative to neutral:

| preset      | duration x | loudness dB | pitch st | pitch range x | variability x |
|-------------|-----------:|------------:|---------:|--------------:|--------------:|
| happy       | 0.90       | +2.5        | +2.5     | 1.40          | 1.15          |
| angry       | 0.90       | +4.5        | +1.5     | 1.25          | 1.20          |
| sad         | 1.22       | -4.0        | -2.0     | 0.60          | 0.75          |
| afraid      | 0.88       | -2.0        | +3.5     | 1.20          | 1.30          |
| disgusted   | 1.12       | +1.5        | -1.5     | 1.15          | 0.90          |
| melancholic | 1.28       | -5.0        | -1.5     | 0.55          | 0.70          |
| surprised   | 0.94       | +3.0        | +4.0     | 1.50          | 1.10          |
| calm        | 1.10       | -2.5        | -1.5     | 0.80          | 0.80          |

duration = speaking time (the inverse of rate; pauses scale with it); loudness = gain on the audio;
pitch = shift of the pitch level in semitones; range = scale of the intonation's excursions around
its mean (in log frequency); variability = Piper's noise scales (noise_scale, noise_w: how much the
pitch, energy and durations vary from phone to phone). A preset at intensity w applies each change to
the power w (dB and semitones times w); a mix multiplies its presets' changes (intensities summing
over 1 are scaled down to 1). ``EMOTION_STYLES`` below is this table as data; tests check the
direction of every duration/loudness/pitch entry on real synthesis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..emotion import EMOTIONS


@dataclass(frozen=True)
class Style:
    """What one sentence is spoken with, relative to the voice's defaults."""
    duration: float = 1.0        # x speaking time
    gain_db: float = 0.0
    pitch_semitones: float = 0.0
    pitch_range: float = 1.0
    variability: float = 1.0     # x Piper's noise_scale and noise_w


EMOTION_STYLES: dict[str, Style] = {
    "happy": Style(0.90, +2.5, +2.5, 1.40, 1.15),
    "angry": Style(0.90, +4.5, +1.5, 1.25, 1.20),
    "sad": Style(1.22, -4.0, -2.0, 0.60, 0.75),
    "afraid": Style(0.88, -2.0, +3.5, 1.20, 1.30),
    "disgusted": Style(1.12, +1.5, -1.5, 1.15, 0.90),
    "melancholic": Style(1.28, -5.0, -1.5, 0.55, 0.70),
    "surprised": Style(0.94, +3.0, +4.0, 1.50, 1.10),
    "calm": Style(1.10, -2.5, -1.5, 0.80, 0.80),
}
assert tuple(EMOTION_STYLES) == EMOTIONS


@dataclass(frozen=True)
class VoiceSettings:
    """Overrides a caller (e.g. the training-corpus generator) applies on top of the emotion's style.

    rate: speaking-rate multiplier (> 1 faster). pitch_semitones: added to the pitch level.
    pitch_range: multiplies the intonation range. gain_db: added loudness.
    noise_scale / noise_w: Piper's noise scales before the emotion's variability (None = the voice's
    own, 0.667 / 0.8 for en_US-joe-medium). Ignored by eSpeak except rate, pitch, range and gain.
    """
    rate: float = 1.0
    pitch_semitones: float = 0.0
    pitch_range: float = 1.0
    gain_db: float = 0.0
    noise_scale: float | None = None
    noise_w: float | None = None

    def __post_init__(self) -> None:
        from ..errors import BadInput

        if not 0.25 <= self.rate <= 4.0:
            raise BadInput(f"rate must be between 0.25 and 4, got {self.rate}")
        if not -12.0 <= self.pitch_semitones <= 12.0:
            raise BadInput(f"pitch_semitones must be between -12 and 12, got {self.pitch_semitones}")
        if not 0.0 <= self.pitch_range <= 3.0:
            raise BadInput(f"pitch_range must be between 0 and 3, got {self.pitch_range}")
        if not -30.0 <= self.gain_db <= 20.0:
            raise BadInput(f"gain_db must be between -30 and 20, got {self.gain_db}")
        for name in ("noise_scale", "noise_w"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 2.0:
                raise BadInput(f"{name} must be between 0 and 2, got {value}")


def style_for(emotion: np.ndarray, settings: VoiceSettings | None = None) -> Style:
    """The style of an 8-d emotion vector, with the caller's settings on top."""
    weights = np.clip(np.asarray(emotion, dtype=np.float64).reshape(-1), 0.0, 1.0)
    if weights.shape != (len(EMOTIONS),):
        raise ValueError(f"emotion must have {len(EMOTIONS)} values")
    total = weights.sum()
    if total > 1.0:
        weights = weights / total
    duration, gain, pitch, rng, var = 1.0, 0.0, 0.0, 1.0, 1.0
    for w, name in zip(weights, EMOTIONS):
        s = EMOTION_STYLES[name]
        duration *= s.duration ** w
        gain += s.gain_db * w
        pitch += s.pitch_semitones * w
        rng *= s.pitch_range ** w
        var *= s.variability ** w
    settings = settings or VoiceSettings()
    return Style(duration=duration / settings.rate, gain_db=gain + settings.gain_db,
                 pitch_semitones=pitch + settings.pitch_semitones, pitch_range=rng * settings.pitch_range,
                 variability=var)
