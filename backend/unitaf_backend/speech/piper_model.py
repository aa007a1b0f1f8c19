"""Piper's VITS voice on onnxruntime, opened up at load time so that one run gives the audio, the
per-phoneme-id durations, and the decoder's input latent, and so that its randomness is seeded.

Changes made to the ONNX graph in memory (the file on disk is untouched), all found by structure, not
by exporter names (those differ between voices):

- durations: the output of the graph's single ``Ceil`` node (frames per phoneme id) becomes an output;
- features: the input of the HiFi-GAN decoder's first convolution (``conv_pre``: the ``Conv`` that feeds
  the first ``ConvTranspose`` through a ``LeakyRelu``) becomes an output. This is z x mask, the latent
  after the flow that the decoder turns into audio: [1, 192, T] with T x hop_length == audio samples;
- noise: each ``RandomNormalLike`` node (the duration predictor's noise before ``Ceil``, the prior's
  noise after it) is replaced by a slice of a new graph input, so that numpy's seeded generator
  provides the noise and the same seed gives the same audio.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import NotInstalled


@dataclass(frozen=True)
class PiperRun:
    audio: np.ndarray        # float32 [N], as the model made it (not normalised)
    frames: np.ndarray       # int64 [len(ids)], frames per phoneme id; sum * hop == N
    features: np.ndarray     # float32 [T, C], decoder input latent, frame i covers samples [i*hop, (i+1)*hop)


def _producer(graph, name: str):  # type: ignore[no-untyped-def]
    for node in graph.node:
        if name in node.output:
            return node
    return None


def _open_graph(model) -> tuple[str, str, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """Patch the graph in place; return (durations output, features output, [(noise input, kind)])."""
    from onnx import TensorProto, helper

    graph = model.graph
    ceils = [i for i, n in enumerate(graph.node) if n.op_type == "Ceil"]
    if len(ceils) != 1:
        raise NotInstalled(f"this Piper voice does not look like VITS (found {len(ceils)} Ceil nodes)")
    ceil_index = ceils[0]
    durations = graph.node[ceil_index].output[0]

    first_up = next((n for n in graph.node if n.op_type == "ConvTranspose"), None)
    act = _producer(graph, first_up.input[0]) if first_up is not None else None
    conv_pre = _producer(graph, act.input[0]) if act is not None and act.op_type == "LeakyRelu" else None
    if conv_pre is None or conv_pre.op_type != "Conv":
        raise NotInstalled("cannot find the decoder's first convolution in this Piper voice")
    features = conv_pre.input[0]

    noise_inputs: list[tuple[str, str]] = []
    new_nodes = []
    for index, node in enumerate(graph.node):
        if node.op_type != "RandomNormalLike":
            new_nodes.append(node)
            continue
        k = len(noise_inputs)
        kind = "durations" if index < ceil_index else "latent"
        noise_name = f"unitaf_noise_{k}"
        graph.input.append(helper.make_tensor_value_info(noise_name, TensorProto.FLOAT, [1, "c", f"t{k}"]))
        starts = f"unitaf_noise_{k}_starts"
        graph.initializer.append(helper.make_tensor(starts, TensorProto.INT64, [3], [0, 0, 0]))
        shape = f"unitaf_noise_{k}_shape"
        new_nodes.append(helper.make_node("Shape", [node.input[0]], [shape], name=f"unitaf_shape_{k}"))
        new_nodes.append(helper.make_node("Slice", [noise_name, starts, shape], [node.output[0]],
                                          name=f"unitaf_slice_{k}"))
        noise_inputs.append((noise_name, kind))
    del graph.node[:]
    graph.node.extend(new_nodes)
    for name in (durations, features):
        graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["b", "c", "t"]))
    # No onnx.checker pass here: it serialises a second copy of the whole model (~70 MB at the peak of a
    # start-up); onnxruntime checks the patched graph itself when it builds the session.
    return durations, features, noise_inputs


def _session_of(holder: list, options):  # type: ignore[no-untyped-def]
    """An onnxruntime session of the patched graph (the one item of `holder`, taken out of it), built from
    a temporary file that is removed at once: a session made from bytes keeps those bytes alive for its
    lifetime (~60 MB more for the whole run), and the parsed graph is freed before the session is built."""
    import os
    import tempfile

    import onnx
    import onnxruntime

    fd, path = tempfile.mkstemp(prefix="unitaf-piper-", suffix=".onnx")
    os.close(fd)
    try:
        onnx.save(holder.pop(), path)
        _release_freed_memory()      # the parsed graph (~130 MB with its copies) is garbage now
        return onnxruntime.InferenceSession(path, sess_options=options,
                                            providers=execution_providers(onnxruntime.get_available_providers()))
    finally:
        os.unlink(path)


def _release_freed_memory() -> None:
    """Hand memory the C heap keeps after large frees back to the system (glibc), so the models loaded
    next reuse it instead of raising the process's peak; a no-op elsewhere."""
    from ..memory import release_freed_memory
    release_freed_memory()


def execution_providers(available: list[str]) -> list[str]:
    """CUDA first when this onnxruntime build has it (onnxruntime-gpu), the CPU always as the fallback."""
    return [p for p in ("CUDAExecutionProvider",) if p in available] + ["CPUExecutionProvider"]


class PiperModel:
    """One loaded Piper voice (model + config). Thread-safe to call."""

    def __init__(self, model_path: Path, config_path: Path) -> None:
        import json

        import onnx
        import onnxruntime
        from piper.config import PiperConfig

        with open(config_path, encoding="utf-8") as f:
            self.config = PiperConfig.from_dict(json.load(f))
        model = onnx.load(str(model_path))
        self.durations_name, self.features_name, self.noise_inputs = _open_graph(model)
        self.audio_name = model.graph.output[0].name
        self.channels = 192
        holder = [model]
        del model                    # the session builder drops the last reference once it is on disk
        options = onnxruntime.SessionOptions()
        options.enable_cpu_mem_arena = False         # tensors freed after each sentence, not kept pooled
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")   # no busy-wait between runs
        self.session = _session_of(holder, options)
        self.sample_rate = int(self.config.sample_rate)
        self.hop = int(self.config.hop_length)
        self._lock = threading.Lock()   # only guards the phonemiser, which has global state

    def phonemize(self, text: str) -> list[list[str]]:
        """Text -> Piper's phoneme lists (one per eSpeak sentence), exactly as Piper feeds its model."""
        from piper.phonemize_espeak import EspeakPhonemizer
        from piper.voice import _ESPEAK_PHONEMIZER_LOCK

        with _ESPEAK_PHONEMIZER_LOCK:
            if not hasattr(self, "_phonemizer"):
                self._phonemizer = EspeakPhonemizer()
            return self._phonemizer.phonemize(self.config.espeak_voice, text,
                                               vowel_clusters=self.config.vowel_clusters)

    def ids(self, phonemes: list[str]) -> tuple[list[int], list[int]]:
        """Phoneme ids as Piper builds them (BOS PAD (p PAD)* EOS), and for each id the index of the
        phoneme it came from (-1 for BOS, the PADs after BOS, and EOS). Unknown phonemes are skipped."""
        id_map = self.config.phoneme_id_map
        pad = list(id_map["_"])
        ids = list(id_map["^"]) + pad
        owner = [-1] * len(ids)
        for index, ph in enumerate(phonemes):
            if ph not in id_map:
                continue
            part = list(id_map[ph]) + pad
            ids += part
            owner += [index] * len(part)
        ids += list(id_map["$"])
        owner += [-1] * len(id_map["$"])
        return ids, owner

    def run(self, ids: list[int], length_scale: float, noise_scale: float, noise_w: float,
            rng: np.random.Generator) -> PiperRun:
        n = len(ids)
        feeds: dict[str, np.ndarray] = {
            "input": np.asarray(ids, dtype=np.int64)[None, :],
            "input_lengths": np.asarray([n], dtype=np.int64),
            "scales": np.asarray([noise_scale, length_scale, noise_w], dtype=np.float32),
        }
        # Frames are not known before the run; give the latent noise a generous length (ids last about
        # 2 frames on average at length_scale 1) and retry longer in the rare case a sentence needs more.
        frames_bound = int(n * 8 * max(length_scale, 0.3)) + 256
        for _attempt in range(3):
            for name, kind in self.noise_inputs:
                length = n if kind == "durations" else frames_bound
                feeds[name] = rng.standard_normal((1, self.channels, length), dtype=np.float32)
            try:
                audio, frames, feats = self.session.run(
                    [self.audio_name, self.durations_name, self.features_name], feeds)
                break
            except Exception:  # noqa: BLE001  onnxruntime has its own error types; a too-short noise is the expected one
                frames_bound *= 4
        else:
            raise RuntimeError("Piper failed on this sentence")
        frames = np.rint(np.asarray(frames).reshape(-1)).astype(np.int64)
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        feats = np.asarray(feats, dtype=np.float32)[0].T.copy()
        if frames.sum() * self.hop != len(audio) or feats.shape[0] * self.hop != len(audio):
            raise RuntimeError("Piper's durations, features and audio disagree in length")
        return PiperRun(audio=audio, frames=frames, features=feats)


@lru_cache(maxsize=4)
def load(model_path: str, config_path: str) -> PiperModel:
    return PiperModel(Path(model_path), Path(config_path))
