"""Request bodies of the /v1 API. Strict types, unknown fields refused, no field names a server path."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ..pipeline import MAX_FPS, MIN_FPS  # light: the pipeline loads its stages only when it runs
from ..speech.text import MAX_CHARS


def _whole_number(value: Any) -> Any:
    """JSON Schema's `integer` is any number without a fraction (571.0 included): accept it as 571."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Seed = Annotated[int, Field(ge=0, le=2**31 - 1), BeforeValidator(_whole_number)]
MAX_IDLE_FRAMES = 108_000            # an hour at 30 fps: an idle clip is made at once, in the request

Mode = Literal["auto", "neural", "rules"]


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    emotion: str = Field("neutral", max_length=200, description=(
        "a preset name (see /v1/info), scaled by `intensity`; or a mix such as `happy:0.6+surprised:0.3`"))
    intensity: float = Field(1.0, ge=0.0, le=1.0, allow_inf_nan=False,
                             description="strength of a named preset, 0..1 (must stay 1 for a mix)")
    fps: float = Field(30.0, ge=MIN_FPS, le=MAX_FPS, allow_inf_nan=False)
    mode: Mode = "auto"
    seed: Seed = 0
    head_motion: bool = Field(True, description="head angles (yaw, pitch, roll) at a low level, driven by "
                              "the prosody and the emotion")


class SpeakBody(_Options):
    text: str = Field(min_length=1, max_length=MAX_CHARS, pattern=r"^[^\x00]*[^\s\x00][^\x00]*$",
                      description="the line to speak (UTF-8, not only white space, no NUL; length limit in "
                                  "/v1/info `limits`)")
    voice: str | None = Field(None, max_length=128, description="a voice name from /v1/info, or null")


class AnimateOptions(_Options):
    emotion: str = Field("neutral", max_length=200, description=(
        "a preset name (see /v1/info), scaled by `intensity`; a mix such as `happy:0.6+surprised:0.3`; or "
        "`auto`: heard per sentence from the recording's prosody (result meta `emotion_heard`)"))
    transcript: str | None = Field(None, description="what the recording says, if known; one whose alignment "
                                   "says it is not what was said is ignored (result meta `warnings`)")


class IdleBody(BaseModel):
    """An idle clip for the gaps between a character's lines (see face/idle.py)."""
    model_config = ConfigDict(extra="forbid", strict=True)

    duration: float = Field(gt=0.0, le=3600.0, allow_inf_nan=False, description="seconds of idle motion")
    fps: float = Field(30.0, ge=MIN_FPS, le=MAX_FPS, allow_inf_nan=False)
    seed: Seed = 0
    blinks: bool = True
    gaze: bool = True
    breathing: bool = True

    @model_validator(mode="after")
    def _bounded(self) -> IdleBody:
        frames = self.duration * self.fps
        if frames > MAX_IDLE_FRAMES:
            raise ValueError(f"the idle clip would be {frames:,.0f} frames; at most {MAX_IDLE_FRAMES:,} "
                             "(an hour at 30 fps): ask for a shorter one or a lower fps")
        return self


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer."""

    error: str = Field(description="one line to show the user")
    kind: str | None = Field(None, description="bad_input | not_installed, when the backend judged the request; busy on a 429 or 503 "
                                 "that is worth retrying after `Retry-After` seconds")


class JobStatus(BaseModel):
    id: str
    kind: Literal["speak", "animate"]
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float = Field(description="0..1")
    stage: str = Field(description="queued, starting, speech, face, expression, done, failed or cancelled")
    error: str | None
    error_kind: str | None = Field(description="bad_input | not_installed | timeout | error | internal")
    version: int = Field(description="bumped on every change; pass it as `since` to long-poll")
    elapsed_s: float
    has_result: bool


ERRORS: dict[int | str, dict] = {
    400: {"model": ErrorBody, "description": "bad input (one line says what)"},
    401: {"model": ErrorBody, "description": "missing or wrong token"},
    404: {"model": ErrorBody, "description": "no such job"},
    413: {"model": ErrorBody, "description": "body over the size limit"},
    422: {"model": ErrorBody, "description": "malformed request, or something not installed here"},
    429: {"model": ErrorBody, "description": "busy: too many jobs; retry after `Retry-After` seconds"},
}
