"""The local HTTP service (`unitaf serve`): a versioned `/v1` API over the pipeline.

Modules: `config` (limits and bind settings), `security` (bind rules, token, host/origin, request count,
body size and stall guards), `jobs` (background work with progress, cancel, timeouts and a bounded queue),
`audio_io` (WAV in and out), `wire` (the compact binary result), `schemas` (request bodies and answers),
`validate` (checks shared with the add-on's in-process client, the installed voices), `app` (the FastAPI
routes), `server` (uvicorn, the ready line, warm-up, shutdown) and `__main__` (`python -m
unitaf_backend.service`, the same as `unitaf serve`). The API is described in docs/api.md.
"""
