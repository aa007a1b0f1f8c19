"""The FastAPI application: the /v1 routes over the pipeline, errors as `{"error": "..."}` JSON.

Routes (docs/api.md has the details, /v1/openapi.json the schema):
    GET    /v1/health               liveness and versions (the client's handshake)
    GET    /v1/info                 voices, emotion presets, modes, fps range, limits, versions
    POST   /v1/speak                JSON -> 202 job
    POST   /v1/animate              WAV upload (multipart field `audio`, or a raw audio/wav body) -> 202 job
    GET    /v1/jobs/{id}            state, progress 0..1, stage; `?wait=S&since=V` long-polls for a change
    GET    /v1/jobs/{id}/result     the binary payload (application/x-unitaf-face) once done
    POST   /v1/jobs/{id}/cancel     ask a job to stop (queued: at once; running: at its next cancel check)
    DELETE /v1/jobs/{id}            cancel and forget a job
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pydantic
from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from .. import __version__
from ..audio import DecodeBudget
from ..errors import BadInput, Busy, NotInstalled, UnitafError
from ..pipeline.requests import check_speech_length
from . import wire
from .audio_io import decode_audio
from .config import API_VERSION, ServiceConfig
from .jobs import DONE, FAILED, FINISHED, CancelCheck, JobManager, Progress, QueueFull, ShuttingDown
from .schemas import ERRORS, AnimateOptions, ErrorBody, IdleBody, JobStatus, SpeakBody
from .security import GuardMiddleware, is_loopback
from .validate import Catalog, check_text, emotion_spec, load_pipeline

log = logging.getLogger("unitaf.service")

JOB_ID = r"^[0-9a-f]{32}$"
AUDIO_MEDIA_TYPES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "application/octet-stream")


def _validation_message(errors: list[Any]) -> str:
    parts = []
    for e in errors[:5]:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path")]
        kind = e.get("type", "")
        if kind == "json_invalid":
            parts.append("the body is not valid JSON")
        elif loc == ["text"] and kind in ("string_too_short", "string_pattern_mismatch"):
            given = e.get("input")
            parts.append("text contains a NUL character" if isinstance(given, str) and "\x00" in given
                         else "text is empty")
        elif kind == "string_too_long" and isinstance(e.get("input"), str):
            limit = (e.get("ctx") or {}).get("max_length")
            parts.append(f"{'.'.join(loc)} is {len(e['input'])} characters long; the limit is {limit}")
        elif not loc and kind in ("model_attributes_type", "dict_type", "model_type", "missing"):
            parts.append("the body must be a JSON object (Content-Type: application/json)")
        else:
            where = ".".join(loc)
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else str(e.get("msg", "invalid")))
    return "invalid request: " + "; ".join(dict.fromkeys(parts))


def _allowed_methods(app: FastAPI, scope: dict) -> list[str]:
    """The methods of every route whose path matches the request's (OPTIONS always)."""
    from starlette.routing import Match

    methods = {"OPTIONS"}
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    order = ("GET", "HEAD", "POST", "DELETE", "OPTIONS")
    return sorted(methods, key=lambda m: (order.index(m) if m in order else len(order), m))


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


class ChangeSignal:
    """Wakes the long polls on the event loop when a job changes in a worker thread (no polling delay)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def next_change(self) -> asyncio.Event:
        """The event the next change will set (call on the event loop)."""
        if self._event is None:
            self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
        return self._event

    def notify(self) -> None:
        """Any thread: a job changed."""
        if self._loop is not None:
            try:
                self._loop.call_soon_threadsafe(self._pulse)
            except RuntimeError:      # the loop is closed: the server is shutting down, nobody waits
                pass

    def _pulse(self) -> None:
        event, self._event = self._event, asyncio.Event()
        if event is not None:
            event.set()

    @staticmethod
    async def wait(event: asyncio.Event, timeout: float) -> None:
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass


def create_app(config: ServiceConfig) -> FastAPI:
    limits = config.limits
    jobs = JobManager(limits)
    job_changes = ChangeSignal()
    jobs.on_change = job_changes.notify
    catalog = Catalog()
    decoding = DecodeBudget(limits.max_decoding_bytes)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

    app = FastAPI(
        title="UniTAF backend", version=__version__, lifespan=lifespan,
        description="Text or a recording in, ARKit-52 face animation out. See docs/api.md.",
        openapi_url="/v1/openapi.json", docs_url=None, redoc_url=None,
    )
    app.state.jobs = jobs
    app.add_middleware(
        GuardMiddleware, token=config.token, loopback_only=is_loopback(config.host),
        max_json_bytes=limits.max_json_bytes, max_upload_bytes=limits.max_upload_bytes,
        max_in_flight=limits.max_requests, body_timeout_s=limits.body_timeout_s,
    )

    # ---- errors: always one JSON line {"error": ...} ----------------------------------------------

    @app.exception_handler(RequestValidationError)
    async def on_validation(_r: Request, err: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(list(err.errors())))

    @app.exception_handler(pydantic.ValidationError)
    async def on_model_validation(_r: Request, err: pydantic.ValidationError) -> JSONResponse:
        return _error(422, _validation_message(list(err.errors())))

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, err: HTTPException) -> Response:
        headers = dict(err.headers or {})
        if err.status_code == 405:       # Allow lists every route of the path, not only the first one's
            allowed = _allowed_methods(app, request.scope)
            headers["Allow"] = ", ".join(allowed)
            if request.method == "OPTIONS":
                return Response(status_code=204, headers=headers)
            return _error(405, f"{request.method} is not allowed here; allowed: {', '.join(allowed)}",
                          headers=headers)
        return _error(err.status_code, str(err.detail), headers=headers)

    @app.exception_handler(NotInstalled)
    async def on_not_installed(_r: Request, err: NotInstalled) -> JSONResponse:
        return _error(422, str(err), kind="not_installed")

    @app.exception_handler(Busy)
    async def on_capacity(_r: Request, err: Busy) -> JSONResponse:
        return _error(503, str(err), headers={"Retry-After": "1"}, kind="busy")

    @app.exception_handler(UnitafError)
    async def on_unitaf(_r: Request, err: UnitafError) -> JSONResponse:
        return _error(400, str(err), kind="bad_input")

    @app.exception_handler(QueueFull)
    async def on_busy(_r: Request, err: QueueFull) -> JSONResponse:
        return _error(429, str(err), headers={"Retry-After": "1"}, kind="busy")

    @app.exception_handler(ShuttingDown)
    async def on_shutdown(_r: Request, err: ShuttingDown) -> JSONResponse:
        return _error(503, str(err), headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def on_bug(_r: Request, err: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _error(500, f"internal error in the backend: {type(err).__name__}")

    # ---- routes --------------------------------------------------------------------------------

    @app.get("/v1/health", summary="Liveness and versions (the client's handshake)")
    async def health() -> dict:
        return {"status": "ok", "name": "unitaf", "version": __version__, "api_version": API_VERSION,
                "wire_version": wire.FORMAT_VERSION, "jobs": jobs.counts()}

    @app.get("/v1/info", summary="Voices, emotion presets, modes, fps range, limits and versions")
    async def info() -> dict:
        return await run_in_threadpool(catalog.info, limits, wire.FORMAT_VERSION)

    def _accepted(job_id: str) -> JSONResponse:
        status = jobs.status(job_id)
        return JSONResponse(status, status_code=202, headers={"Location": f"/v1/jobs/{job_id}"})

    @app.post("/v1/speak", status_code=202, summary="Speak a line; returns a job", response_model=JobStatus,
              responses=ERRORS)
    async def speak(body: SpeakBody) -> JSONResponse:
        check_text(body.text, "text", limits.max_text_chars, required=True)
        spec = emotion_spec(body.emotion, body.intensity)
        await run_in_threadpool(catalog.check_voice, body.voice)
        pipeline = await run_in_threadpool(load_pipeline)
        request = pipeline.SpeakRequest(text=body.text, emotion=spec, voice=body.voice, fps=body.fps,
                                        mode=body.mode, seed=body.seed, head_motion=body.head_motion)
        seconds = await run_in_threadpool(check_speech_length, body.text, body.voice, limits.max_speech_seconds)

        def work(progress: Progress, cancel: CancelCheck) -> bytes:
            return wire.face_payload(pipeline.speak(request, progress=progress, cancel=cancel))

        return _accepted(jobs.submit("speak", work, speech_seconds=seconds).id)

    @app.post("/v1/idle", summary="An idle clip (blinks, gaze, breathing) for the gaps between lines; answers "
                                 "at once with the binary payload (kind `idle`, array `weights`)",
              response_class=Response, responses={**ERRORS, 200: {"content": {wire.MEDIA_TYPE: {}}}})
    async def idle(body: IdleBody) -> Response:
        from ..face.idle import IdleRequest, idle_clip
        request = IdleRequest(duration=body.duration, fps=body.fps, seed=body.seed, blinks=body.blinks,
                              gaze=body.gaze, breathing=body.breathing)
        weights = await run_in_threadpool(idle_clip, request)
        return Response(wire.idle_payload(weights, body.fps), media_type=wire.MEDIA_TYPE)

    animate_body = {"requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": {"type": "object", "required": ["audio"], "properties": {
            "audio": {"type": "string", "format": "binary", "description": "the recording (WAV)"},
            "options": {"type": "string", "description": "AnimateOptions as a JSON object"}}}},
        "audio/wav": {"schema": {"type": "string", "format": "binary"}},
    }}}

    @app.post("/v1/animate", status_code=202, openapi_extra=animate_body,
              summary="Animate a recording; returns a job. Options as a JSON `options` form field, or as "
                      "query parameters with a raw audio/wav body",
              response_model=JobStatus,
              responses={**ERRORS, 415: {"model": ErrorBody, "description": "not an upload"}})
    async def animate(request: Request) -> JSONResponse:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type == "multipart/form-data":
            data, options = await _read_multipart(request)
        elif media_type in AUDIO_MEDIA_TYPES:
            options = AnimateOptions.model_validate(dict(request.query_params), strict=False)
            data = await request.body()
        else:
            raise HTTPException(415, "send the recording as multipart/form-data (field 'audio') or as a raw "
                                     "body with Content-Type: audio/wav")
        if options.transcript is not None:
            check_text(options.transcript, "transcript", limits.max_transcript_chars, required=False)
        spec = emotion_spec(options.emotion, options.intensity, heard=True)
        audio, rate = await run_in_threadpool(decode_audio, data, limits.max_audio_seconds, decoding)
        pipeline = await run_in_threadpool(load_pipeline)
        req = pipeline.AnimateRequest(
            audio=audio, sample_rate=rate, transcript=(options.transcript or None), emotion=spec,
            fps=options.fps, mode=options.mode, seed=options.seed, head_motion=options.head_motion)

        def work(progress: Progress, cancel: CancelCheck) -> bytes:
            return wire.face_payload(pipeline.animate(req, progress=progress, cancel=cancel), include_audio=False)

        return _accepted(jobs.submit("animate", work).id)

    async def _read_multipart(request: Request) -> tuple[bytes, AnimateOptions]:
        form = await request.form(max_files=1, max_fields=2, max_part_size=limits.max_json_bytes)
        try:
            unknown = sorted(set(form.keys()) - {"audio", "options"})
            if unknown:
                raise BadInput(f"unknown form field(s): {', '.join(unknown)}; send 'audio' and 'options'")
            upload = form.get("audio")
            if not isinstance(upload, UploadFile):
                raise BadInput("the form has no 'audio' file")
            raw_options = form.get("options") or "{}"
            if not isinstance(raw_options, str):
                raise BadInput("the 'options' form field must be JSON text, not a file")
            options = AnimateOptions.model_validate_json(raw_options)
            return await upload.read(), options
        finally:
            await form.close()

    def _known_job(job_id: str) -> dict:
        status = jobs.status(job_id)
        if status is None:
            raise HTTPException(404, f"no job {job_id} (finished jobs are kept {limits.result_ttl_s:g} s)")
        return status

    job_id_path = Path(pattern=JOB_ID, description="a job id as returned by speak/animate")

    @app.get("/v1/jobs/{job_id}", summary="A job's state and progress; `wait` long-polls for a change",
             response_model=JobStatus, responses=ERRORS)
    async def job_status(
        job_id: str = job_id_path,
        wait: float = Query(0.0, ge=0.0, le=limits.max_wait_s, allow_inf_nan=False,
                            description="seconds to wait for a change (0 = answer at once)"),
        since: int = Query(-1, ge=-1, description="the version last seen; the answer comes when it differs"),
    ) -> dict:
        deadline = time.monotonic() + wait
        while True:
            changed = job_changes.next_change()      # taken before reading, so no change slips between
            status = _known_job(job_id)
            remaining = deadline - time.monotonic()
            if status["state"] in FINISHED or remaining <= 0 or (since >= 0 and status["version"] != since):
                return status
            await job_changes.wait(changed, remaining)

    @app.get("/v1/jobs/{job_id}/result", summary="The finished job's result (binary payload)",
             responses={**ERRORS, 200: {"content": {wire.MEDIA_TYPE: {}}, "description": "the payload"},
                        409: {"model": ErrorBody, "description": "not done, cancelled or failed"}})
    async def job_result(job_id: str = job_id_path) -> Response:
        job = jobs.get(job_id)
        if job is None:
            _known_job(job_id)
        assert job is not None
        if job.state == DONE and job.result is not None:
            return Response(job.result, media_type=wire.MEDIA_TYPE)
        if job.state == FAILED:
            code = {"bad_input": 400, "not_installed": 422}.get(job.error_kind or "", 409)
            return _error(code, job.error or "the job failed", state=job.state, kind=job.error_kind)
        return _error(409, f"the job is {job.state}, it has no result", state=job.state)

    @app.post("/v1/jobs/{job_id}/cancel", status_code=202, summary="Ask a job to stop",
              response_model=JobStatus, responses=ERRORS)
    async def job_cancel(job_id: str = job_id_path) -> JSONResponse:
        if jobs.cancel(job_id) is None:
            _known_job(job_id)
        return JSONResponse(_known_job(job_id), status_code=202)

    @app.delete("/v1/jobs/{job_id}", status_code=204, summary="Cancel and forget a job", responses=ERRORS)
    async def job_delete(job_id: str = job_id_path) -> Response:
        if not jobs.delete(job_id):
            _known_job(job_id)
        return Response(status_code=204)

    return app


def openapi_json(config: ServiceConfig | None = None) -> str:
    """The OpenAPI document, for docs and tests (no server needed)."""
    return json.dumps(create_app(config or ServiceConfig()).openapi(), indent=1)
