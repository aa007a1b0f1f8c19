"""A2F speed and memory on a 60 s line.

    .venv/bin/python benchmarks/bench_a2f.py              # shipped weights if installed, else the cpu preset
    .venv/bin/python benchmarks/bench_a2f.py --threads 1 --seconds 60 --repeat 5

Prints parameter counts and weight size, then the median of --repeat runs (after a warm-up) of:
- text path: adapter + decoder on 60 s of TTS features (Piper's 192-d at 22050/256 fps), output at 30 fps;
- audio path: the Whisper encoder + decoder on 60 s of audio at 22.05 kHz (incl. resampling to 16 kHz);
- the encoder alone;
as seconds and as multiples of real time, and the process's peak memory (VmHWM) with its growth over the
baseline measured after imports. Speed does not depend on what is said, so the inputs are synthetic unless
--speak is given (then a real Piper line of about that length is used).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "backend"))

from measure import timed, vm_kib


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="torch and encoder threads (0 = default)")
    p.add_argument("--weights", type=Path, default=None)
    p.add_argument("--speak", action="store_true", help="use a real Piper line instead of synthetic inputs")
    args = p.parse_args()

    import numpy as np
    import torch
    from unitaf_backend.a2f import infer, shipped
    from unitaf_backend.a2f.config import load_config
    from unitaf_backend.a2f.encoder import WhisperEncoder
    from unitaf_backend.a2f.model import A2FModel, count_parameters

    if args.threads:
        torch.set_num_threads(args.threads)
    base_kib = vm_kib("VmRSS")
    if args.weights or shipped.available():
        model = infer.load_model(args.weights, device="cpu")
        source = str(args.weights or shipped.weights_path())
    else:
        torch.manual_seed(0)
        model = A2FModel(load_config("cpu")).eval()
        source = "cpu preset, untrained (no shipped weights installed; same architecture and cost)"
    cfg = model.cfg
    n_ad, n_dec = count_parameters(model.adapter), count_parameters(model.decoder)
    print(f"model: {source}")
    print(f"parameters: adapter {n_ad:,}  decoder {n_dec:,}  total {n_ad + n_dec:,} "
          f"({(n_ad + n_dec) * 4 / 1e6:.1f} MB float32)")
    print(f"torch threads: {torch.get_num_threads()}")

    seconds = args.seconds
    rng = np.random.default_rng(0)
    if args.speak:
        from unitaf_backend import speech
        line = " ".join(["The quick brown fox jumps over the lazy dog, and then it rests for a while."] *
                        max(1, int(seconds / 4.5)))
        spoken = speech.synthesize(line, emotion=np.zeros(8, np.float32), voice=None, seed=0)
        tts, audio, rate = spoken.tts_features, spoken.audio, spoken.sample_rate
        seconds = spoken.duration
    else:
        tts = rng.normal(size=(int(seconds * cfg.tts_fps), cfg.tts_dim)).astype(np.float32)
        rate = 22050
        t = np.arange(int(seconds * rate)) / rate
        audio = (0.2 * np.sin(2 * np.pi * 140 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
                 + rng.normal(0, 0.01, len(t))).astype(np.float32)
    emotion = torch.zeros(8)
    encoder = WhisperEncoder(device="cpu", threads=args.threads)

    def text_path() -> None:
        with torch.inference_mode():
            x = torch.from_numpy(tts)
            n = int(np.ceil(seconds * cfg.model_fps))
            feats = model.adapter(x.unsqueeze(0), n)[0]
            y = infer.decode_windowed(model, feats, emotion)
            infer.to_fps(y, cfg.model_fps, 30.0, seconds)

    def encoder_only() -> None:
        encoder.encode(audio, rate)

    def audio_path() -> None:
        feats = torch.from_numpy(encoder.encode(audio, rate))
        with torch.inference_mode():
            y = infer.decode_windowed(model, feats, emotion)
            infer.to_fps(y, cfg.model_fps, 30.0, seconds)

    print(f"line: {seconds:.1f} s")
    for name, fn in (("text path (adapter + decoder)", text_path), ("audio path (encoder + decoder)", audio_path),
                     ("encoder alone", encoder_only)):
        s = timed(fn, args.repeat)
        print(f"{name:34s} {s * 1000:8.1f} ms   {seconds / s:7.0f}x real time")
    peak = vm_kib("VmHWM")
    print(f"peak memory: {peak / 1024:.0f} MiB (VmHWM), {max(0, peak - base_kib) / 1024:.0f} MiB above the "
          "process after imports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
