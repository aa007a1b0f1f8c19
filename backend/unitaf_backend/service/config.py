"""Settings of one running service: where it listens, its token and its limits."""

from __future__ import annotations

from dataclasses import dataclass

from ..audio import LIMITS as AUDIO_LIMITS
from ..pipeline.requests import MAX_SPEECH_SECONDS, MAX_TRANSCRIPT_CHARS
from ..speech.text import MAX_CHARS

API_VERSION = 1                 # bumped on any incompatible change of the /v1 routes or their JSON


@dataclass(frozen=True)
class Limits:
    max_text_chars: int = MAX_CHARS         # one speak request's text: the TTS's own limit
    max_transcript_chars: int = MAX_TRANSCRIPT_CHARS  # an animate transcript: the recording path's limit
    max_speech_seconds: float = MAX_SPEECH_SECONDS  # one speak request's predicted speech (phone count)
    max_pending_speech_seconds: float = 1200.0  # predicted speech of all unfinished jobs; beyond that: 429
    max_json_bytes: int = 256 * 1024        # body of a JSON request
    max_upload_bytes: int = AUDIO_LIMITS.max_bytes + 64 * 1024  # an animate body: the WAV plus its form
    max_audio_seconds: float = AUDIO_LIMITS.max_seconds          # length of an uploaded recording
    max_decoding_bytes: int = 256 * 1024 * 1024  # decoded audio being made at once, all requests together
    max_running_jobs: int = 1               # jobs computing at once (the pipeline uses every core itself)
    max_queued_jobs: int = 8                # jobs waiting for a worker; beyond that: 429
    job_timeout_s: float = 600.0            # a running job is cancelled after this long
    max_kept_results: int = 32              # finished jobs kept for their result, oldest dropped first
    result_ttl_s: float = 600.0             # a finished job is dropped this long after it ended
    max_wait_s: float = 30.0                # longest long-poll a client may ask for
    max_requests: int = 64                  # requests being handled at once; beyond that: 503 JSON
    max_connections: int = 128              # open connections; beyond that the oldest idle one is closed
    header_timeout_s: float = 10.0          # a request's headers must arrive within this (connection closed)
    body_timeout_s: float = 30.0            # a request body not complete this long after it began: 408
    keep_alive_s: int = 5                   # idle keep-alive connections are closed after this long

    def as_dict(self) -> dict:
        return {
            "max_text_chars": self.max_text_chars,
            "max_transcript_chars": self.max_transcript_chars,
            "max_speech_seconds": self.max_speech_seconds,
            "max_pending_speech_seconds": self.max_pending_speech_seconds,
            "max_json_bytes": self.max_json_bytes,
            "max_upload_bytes": self.max_upload_bytes,
            "max_audio_bytes": AUDIO_LIMITS.max_bytes,
            "max_audio_seconds": self.max_audio_seconds,
            "max_decoded_samples": AUDIO_LIMITS.max_decoded_samples,
            "max_decoding_bytes": self.max_decoding_bytes,
            "max_running_jobs": self.max_running_jobs,
            "max_queued_jobs": self.max_queued_jobs,
            "job_timeout_s": self.job_timeout_s,
            "result_ttl_s": self.result_ttl_s,
            "max_wait_s": self.max_wait_s,
            "max_connections": self.max_connections,
            "header_timeout_s": self.header_timeout_s,
            "body_timeout_s": self.body_timeout_s,
        }


@dataclass(frozen=True)
class ServiceConfig:
    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None        # when set, every request must carry `Authorization: Bearer <token>`
    limits: Limits = Limits()
