"""The local service's costs: cold start, HTTP overhead on a 10 s line, cancel latency, payload size.

    .venv/bin/python benchmarks/bench_service.py                # 3 cold starts, 5 timed rounds
    .venv/bin/python benchmarks/bench_service.py --starts 1 --rounds 3

- cold start: from launching `python -m unitaf_backend serve --port 0` (as the add-on does) to a healthy
  answer on /v1/health (ready-line handshake + health check), and then to the first finished speak (which
  loads the voice and models);
- a ~10 s line: the add-on's HTTP client round trip (submit, long-poll, binary result, decode) against the
  in-process client in this Python, both warm, alternating round by round; the ratio is HTTP / in-process
  (target: overhead under 10 %);
- cancel: from the cancel request to the job reported cancelled, on a long job during speech synthesis;
- payload: the binary result against the same arrays as JSON numbers.
CPU time is shared with other work on this machine, so each figure is a median over rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from unitaf_blender.core.backend_api import SpeakRequest
from unitaf_blender.core.backend_process import BackendProcess
from unitaf_blender.core.http_client import Endpoint, HttpBackend, send
from unitaf_blender.core.inprocess import InProcessBackend

TEN_SECOND_LINE = ("I found the old map in the attic, folded inside a book nobody had opened for years. "
                   "It shows the river, the mill and a path through the woods that is not on any modern chart.")
LONG_TEXT = " ".join(f"This is sentence number {i}, and it keeps going for a little while." for i in range(40))


def cold_start(repeats: int) -> None:
    healthy, first_line = [], []
    for _ in range(repeats):
        process = BackendProcess(sys.executable)
        t0 = time.perf_counter()
        endpoint = process.ensure_running()
        healthy.append(time.perf_counter() - t0)
        HttpBackend(endpoint.url, token=endpoint.token, timeout=120).speak(SpeakRequest(text="Hello."))
        first_line.append(time.perf_counter() - t0)
        process.stop()
    print(f"cold start, process launch -> healthy:        median {statistics.median(healthy):6.2f} s  "
          f"({', '.join(f'{s:.2f}' for s in healthy)})")
    print(f"cold start, process launch -> first line done: median {statistics.median(first_line):6.2f} s")


def round_trip(rounds: int, process: BackendProcess) -> None:
    endpoint = process.ensure_running()
    http = HttpBackend(endpoint.url, token=endpoint.token, timeout=120)
    local = InProcessBackend()
    request = SpeakRequest(text=TEN_SECOND_LINE, seed=1)
    warm = http.speak(request)
    local.speak(request)
    print(f"line: {warm.duration:.2f} s of audio, {warm.weights.shape[0]} frames at {warm.fps:g} fps")
    t_http, t_local = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        http.speak(request)
        t_http.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        local.speak(request)
        t_local.append(time.perf_counter() - t0)
    h, loc = statistics.median(t_http), statistics.median(t_local)
    print(f"HTTP round trip:  median {h:6.3f} s  ({', '.join(f'{s:.3f}' for s in t_http)})")
    print(f"in-process call:  median {loc:6.3f} s  ({', '.join(f'{s:.3f}' for s in t_local)})")
    print(f"ratio HTTP / in-process: {h / loc:.3f}  (overhead {100 * (h / loc - 1):+.1f} %, target < 10 %)")
    json_size = len(json.dumps(warm.weights.tolist())) + (len(warm.audio_wav or b"") // 2) * 8
    print(f"payload: binary result of this line ~{_payload_size(endpoint, request) / 1024:.0f} KiB "
          f"vs ~{json_size / 1024:.0f} KiB as JSON numbers")


def _payload_size(endpoint: Endpoint, request: SpeakRequest) -> int:
    body = json.dumps({"text": request.text, "seed": request.seed}).encode()
    status = json.loads(send(endpoint, "POST", "/v1/speak", body=body,
                             headers={"Content-Type": "application/json"}).body)
    job = status["id"]
    while status["state"] not in ("done", "failed", "cancelled"):
        status = json.loads(send(endpoint, "GET", f"/v1/jobs/{job}?wait=20", timeout=30).body)
    reply = send(endpoint, "GET", f"/v1/jobs/{job}/result")
    assert reply.status == 200, reply.body[:200]
    size = len(reply.body)
    send(endpoint, "DELETE", f"/v1/jobs/{job}")
    return size


def cancel_latency(rounds: int, process: BackendProcess) -> None:
    endpoint = process.ensure_running()
    latencies = []
    for _ in range(rounds):
        body = json.dumps({"text": LONG_TEXT}).encode()
        status = json.loads(send(endpoint, "POST", "/v1/speak", body=body,
                                 headers={"Content-Type": "application/json"}).body)
        job = status["id"]
        while status["stage"] != "speech":
            status = json.loads(send(endpoint, "GET", f"/v1/jobs/{job}?wait=5&since={status['version']}").body)
        time.sleep(0.5)                      # well inside the synthesis
        t0 = time.perf_counter()
        send(endpoint, "POST", f"/v1/jobs/{job}/cancel")
        while status["state"] not in ("cancelled", "done", "failed"):
            status = json.loads(send(endpoint, "GET", f"/v1/jobs/{job}?wait=5&since={status['version']}").body)
        latencies.append(time.perf_counter() - t0)
        # the worker is free once the pipeline returned: the next job starts right away
        send(endpoint, "DELETE", f"/v1/jobs/{job}")
        assert status["state"] == "cancelled", status
    local = InProcessBackend()
    sentence = LONG_TEXT.split(". ")[0] + "."
    local.speak(SpeakRequest(text=sentence))
    t0 = time.perf_counter()
    local.speak(SpeakRequest(text=sentence))
    one = time.perf_counter() - t0
    print(f"cancel -> cancelled: median {statistics.median(latencies):.3f} s, "
          f"max {max(latencies):.3f} s (target < 1 s; the TTS checks between sentences, and one sentence "
          f"of this text takes {one:.2f} s in-process here)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3, help="cold starts to time")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of the 10 s line and of cancel")
    args = parser.parse_args()
    cold_start(args.starts)
    process = BackendProcess(sys.executable)
    try:
        round_trip(args.rounds, process)
        cancel_latency(args.rounds, process)
    finally:
        process.stop()


if __name__ == "__main__":
    main()
