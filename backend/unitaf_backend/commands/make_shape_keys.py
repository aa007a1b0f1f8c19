"""Make the 52 ARKit shape keys for a head mesh that has none (an OBJ file).

Finds the face on the mesh, fits the reference head to it and carries the reference's 52 ARKit keys onto
the mesh's own vertices. Writes OUT/shape_keys.npz (`channels` [52], `basis` [V, 3], `offsets` [52, V, 3]
float32 in the mesh's units and frame, vertex order as in the file) and OUT/report.json (fit residual,
landmarks, lip and lid gaps, the orientation found, and the 4x4 rigid motions at weight 1 of the jaw
keys and tongueOut for separate lower-teeth and tongue objects, in the mesh's frame). Prints one summary line. With --landmarks FILE.json the face is placed by the given landmarks (found
ones the user moved) instead of being found.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ..errors import BadInput


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("mesh", type=Path, help="the head mesh (.obj)")
    p.add_argument("out", type=Path, help="output folder (made if missing)")
    p.add_argument("--no-seal", action="store_true",
                   help="do not correct mouthClose so the lips seal at jawOpen + mouthClose")
    p.add_argument("--landmarks", type=Path, metavar="FILE.json",
                   help="place the face by these landmarks ({name: [x, y, z]} in the mesh's frame, e.g. the "
                        "report's found landmarks moved where they belong) instead of finding it")


def run(args: argparse.Namespace) -> int:
    from ..keymaker import make_shape_keys
    from ..keymaker.objfile import read_obj

    if args.mesh.suffix.lower() != ".obj":
        raise BadInput(f"{args.mesh.name}: only .obj meshes are read (export the head as OBJ)")
    vertices, polygons = read_obj(args.mesh)
    landmarks = _read_landmarks(args.landmarks) if args.landmarks else None
    made = make_shape_keys(vertices, polygons, seal_closures=not args.no_seal, landmarks=landmarks)
    if args.out.exists() and not args.out.is_dir():
        raise BadInput(f"{args.out} exists and is not a folder")
    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        "mesh": str(args.mesh), "vertices": len(vertices), "summary": made.summary(),
        "scale": made.scale, "mouth_width": made.mouth_width,
        "residual_median": made.residual_median, "residual_p95": made.residual_p95,
        "lip_gap": made.lip_gap, "lid_gaps": list(made.lid_gaps), "corrections": made.corrections,
        "rotation_to_blender": made.rotation.tolist(), "notes": list(made.notes),
        "landmarks": {k: [float(x) for x in v] for k, v in made.landmarks.items()},
        "jaw_motions": {k: m.tolist() for k, m in made.jaw_motions.items()},
        "tongue_motions": {k: m.tolist() for k, m in made.tongue_motions.items()},
    }
    _write_atomic(args.out / "shape_keys.npz", lambda fh: np.savez(
        fh, channels=np.array(made.channels), basis=vertices.astype(np.float32), offsets=made.offsets))
    _write_atomic(args.out / "report.json", lambda fh: fh.write(json.dumps(report, indent=2).encode()))
    print(made.summary())
    return 0


def _read_landmarks(path: Path) -> dict[str, list[float]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BadInput(f"--landmarks {path}: not a readable JSON file ({err})") from err
    if isinstance(data, dict) and isinstance(data.get("landmarks"), dict):
        data = data["landmarks"]            # a report.json of an earlier run
    if not isinstance(data, dict) or not all(
            isinstance(p, list) and len(p) == 3 and all(isinstance(x, (int, float)) for x in p) for p in data.values()):
        raise BadInput(f"--landmarks {path}: expected {{name: [x, y, z], ...}}")
    return {str(k): [float(x) for x in p] for k, p in data.items()}


def _write_atomic(path: Path, write) -> None:  # type: ignore[no-untyped-def]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
