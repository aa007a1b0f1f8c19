"""Train the A2F model (adapter + decoder) on a corpus spoken by our own TTS voices.

Makes the corpus first when --corpus has none (our sentences spoken by Piper and eSpeak NG voices, face
targets from the articulation model), then runs stage 1 (adapter -> audio-encoder features) and stage 2
(adapter + decoder on the face loss). Checkpoints go to --out; running the same command again resumes.
--ship installs the result as the package's shipped weights (backend/unitaf_backend/data/a2f/a2f.pt).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..a2f.config import CORPUS_PRESETS, PRESETS

    p.add_argument("--preset", default="cpu", choices=sorted(PRESETS),
                   help="training preset: cpu (shipped, <= 90 min on 2 cores), smoke (minutes), gpu (larger)")
    p.add_argument("--config", type=Path, default=None, help="JSON file overriding fields of the preset")
    p.add_argument("--corpus", type=Path, default=None,
                   help="corpus folder (default build/a2f/corpus-<corpus preset>); made if missing")
    p.add_argument("--corpus-preset", default=None, choices=sorted(CORPUS_PRESETS),
                   help="corpus size when it has to be made (default: the training preset's)")
    p.add_argument("--corpus-only", action="store_true", help="make the corpus and stop")
    p.add_argument("--out", type=Path, default=None, help="checkpoints and weights (default build/a2f/run-<preset>)")
    p.add_argument("--no-resume", action="store_true", help="start over even if --out has a checkpoint")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--ship", action="store_true", help="install the trained weights as the shipped ones")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from ..a2f import shipped
    from ..a2f.config import CORPUS_PRESETS, load_config
    from ..errors import BadInput, NotInstalled

    try:
        from ..a2f.corpus import make_corpus
        from ..a2f.train import train
    except ImportError as err:
        if err.name != "torch":
            raise
        raise NotInstalled("training needs torch: pip install '.[train]' (after `pip install torch==2.13.0`)") from None

    cfg = load_config(args.preset, args.config)
    corpus_preset = args.corpus_preset or (args.preset if args.preset in CORPUS_PRESETS else "cpu")
    corpus = args.corpus or Path("build/a2f") / f"corpus-{corpus_preset}"
    out = args.out or Path("build/a2f") / f"run-{args.preset}"
    if args.device not in (None, "cpu", "cuda"):
        raise BadInput(f"--device must be cpu or cuda, got {args.device!r}")
    if not (corpus / "items.json").is_file():
        print(f"making the {corpus_preset} corpus in {corpus}")
        make_corpus(corpus, CORPUS_PRESETS[corpus_preset], progress=not args.no_progress)
    if args.corpus_only:
        return 0
    result = train(corpus, out, cfg, resume=not args.no_resume, device=args.device,
                   progress=not args.no_progress)
    if args.ship:
        shipped.weights_dir().mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.weights, shipped.weights_path())
        print(f"installed {shipped.weights_path()}")
        from ..a2f import infer
        from ..a2f.export_onnx import export
        for path in export(infer.load_model(shipped.weights_path(), device="cpu"), shipped.weights_dir()):
            print(f"exported {path}")     # inference runs on these graphs
    print(result.weights)
    return 0
