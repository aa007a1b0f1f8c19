"""The local HTTP service (`unitaf serve`): a versioned `/v1` API over the pipeline.

Modules: `config` (limits and bind settings), `security` (bind rules, token, host/origin and body-size
guards), `jobs` (background work with progress, cancel, timeouts and a bounded queue), `audio_io` (WAV in
and out), `wire` (the compact binary result), `schemas` (request bodies), `app` (the FastAPI routes) and
`server` (uvicorn, the ready line, shutdown). The API is described in docs/api.md.
"""
