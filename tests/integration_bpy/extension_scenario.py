"""Install the built extension zip into a fresh user folder and use it as a user would (run in a subprocess:
BLENDER_USER_RESOURCES must be set before bpy starts).

    python extension_scenario.py ZIP WORKDIR [--backend stand-in|real]

Prints one JSON line with what it found; test_addon_extension.py checks it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os

args = argparse.ArgumentParser()
args.add_argument("zip")
args.add_argument("workdir")
args.add_argument("--backend", default="stand-in", choices=("stand-in", "real"))
args.add_argument("--backend-python", default="", help="interpreter of a local `unitaf serve` (real backend "
                  "where unitaf_backend is not importable, e.g. under bpy 4.2)")
opts = args.parse_args()
os.environ["BLENDER_USER_RESOURCES"] = os.path.join(opts.workdir, "user")

import bpy
import numpy as np

addon_utils = importlib.import_module("addon_utils")     # on sys.path only once bpy is imported

PKG = "bl_ext.user_default.unitaf"
out: dict = {"blender": list(bpy.app.version)}
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.extensions.package_install_files(filepath=opts.zip, repo="user_default", enable_on_install=True)
out["enabled"] = PKG in bpy.context.preferences.addons
addon = importlib.import_module(PKG)
api = importlib.import_module(PKG + ".core.backend_api")
factory = importlib.import_module(PKG + ".blender.backend_factory")
writer = importlib.import_module(PKG + ".blender.writer")
channels = importlib.import_module(PKG + ".core.channels").ARKIT_CHANNELS
mapping = importlib.import_module(PKG + ".core.mapping")
expected_after_reload: list = []
out["addon_file"] = addon.__file__


class StandIn:
    """Hand-made results at the requested fps, with a WAV of the same length."""
    last = None

    def info(self):
        return {}

    def speak(self, request, progress=None, cancel=None):
        import io
        import wave
        duration = 1.25
        n = int(duration * request.fps) + 1
        t = np.arange(n)[:, None] / request.fps
        w = (0.5 + 0.45 * np.sin(2 * np.pi * 1.3 * t + np.arange(52)[None, :])).astype(np.float32)
        buf = io.BytesIO()
        with wave.open(buf, "wb") as f:
            f.setnchannels(1)
            f.setsampwidth(2)
            f.setframerate(16000)
            f.writeframes(np.zeros(int(duration * 16000), "<i2").tobytes())
        StandIn.last = api.FaceResult(fps=request.fps, channels=channels, weights=w, timeline={},
                                      duration=duration, audio_wav=buf.getvalue())
        return StandIn.last

    def animate(self, request, progress=None, cancel=None):
        raise api.BackendError("not used here")

    def close(self):
        pass


if opts.backend == "stand-in":
    factory.set_test_backend(StandIn())
else:
    kind = "auto" if factory.in_process_available() else "http"
    recorder = factory.make_backend(kind, python=opts.backend_python or None)
    out["backend_kind"] = kind

    class Recording:
        last = None

        def info(self):
            return recorder.info()

        def speak(self, request, progress=None, cancel=None):
            Recording.last = recorder.speak(request, progress, cancel)
            return Recording.last

        def animate(self, request, progress=None, cancel=None):
            return recorder.animate(request, progress, cancel)

        def close(self):
            recorder.close()

    factory.set_test_backend(Recording())
    StandIn = Recording  # type: ignore[misc,assignment]

blend_path = os.path.join(opts.workdir, "scene.blend")
bpy.ops.wm.save_as_mainfile(filepath=blend_path)
window = bpy.context.window_manager.windows[0]


def generate(text):
    with bpy.context.temp_override(window=window):
        return sorted(bpy.ops.unitaf.generate_speech_animation("EXEC_DEFAULT", True, text=text, emotion="happy"))


LEAD, TAIL = 7 + 1, 10 + 1     # onset and decay keys of a line at 24 fps, each with its rest key


def describe(obj, text):
    """What the line made on `obj`; also records (frame, shape key, expected value) to check after reload."""
    [action] = [t.strips[0].action for t in obj.data.shape_keys.animation_data.nla_tracks]
    curves = writer.fcurves_of(action)
    result = StandIn.last
    idx = {c: i for i, c in enumerate(result.channels)}
    errors = []
    for fc in curves:
        target = fc.data_path.split('"')[1]
        source = mapping.match_channel(target)[0]          # CC names -> their ARKit channel
        # the line's own keys, without its onset and decay (LEAD and TAIL keys); may be one less
        # than the backend's frames past the audio's end
        n = len(fc.keyframe_points) - LEAD - TAIL
        for i in (0, n // 2, n - 1):
            want = float(result.weights[i, idx[source]])
            errors.append(abs(fc.evaluate(1 + i) - want))
            expected_after_reload.append((obj.name, target, 1 + i, want))
    values = np.concatenate([[p.co[1] for p in fc.keyframe_points] for fc in curves])
    sed = bpy.context.scene.sequence_editor
    strips = [] if sed is None else [
        (s.name, s.frame_final_start, s.frame_final_duration)
        for s in (sed.strips_all if hasattr(sed, "strips_all") else sed.sequences_all)
        if s.get("unitaf_line") == text]
    return {"action": action.name, "fcurves": len(curves),
            "targets": sorted(fc.data_path.split('"')[1] for fc in curves),
            "keys": sorted({len(fc.keyframe_points) for fc in curves}), "expected_keys": result.duration * 24 + LEAD + TAIL,
            "min": float(values.min()), "max": float(values.max()), "max_error": max(errors),
            "wav": action["unitaf_wav"], "wav_exists": os.path.isfile(action["unitaf_wav"]),
            "strips": strips, "duration": result.duration}


bpy.context.scene.frame_current = 1
with bpy.context.temp_override(window=window):
    bpy.ops.unitaf.add_demo_head()
head = bpy.context.active_object
out["demo_result"] = generate("Hello from the demo head.")
out["demo"] = describe(head, "Hello from the demo head.")

bpy.ops.mesh.primitive_grid_add(x_subdivisions=6, y_subdivisions=6, location=(3, 0, 0))
cc = bpy.context.active_object
cc.name = "CC_Base_Body"
cc.shape_key_add(name="Basis")
for name in ("Jaw_Open", "Mouth_Smile_L", "Mouth_Smile_R", "Eye_Blink_L", "Eye_Blink_R", "Mouth_Pucker"):
    cc.shape_key_add(name=name).value = 0.0
bpy.context.scene.frame_current = 1
out["cc_result"] = generate("Now the Character Creator mesh.")
out["cc"] = describe(cc, "Now the Character Creator mesh.")

bpy.ops.wm.save_mainfile()
bpy.ops.wm.open_mainfile(filepath=blend_path)
out["reloaded_actions"] = sorted(a.name for a in bpy.data.actions)
reload_errors = []
for obj_name, target, frame, want in expected_after_reload:
    bpy.context.scene.frame_set(frame)
    reload_errors.append(abs(bpy.data.objects[obj_name].data.shape_keys.key_blocks[target].value - want))
out["reload_max_error"] = max(reload_errors)

addon_utils.disable(PKG, default_set=True)
out["left_behind"] = sorted(n for n in dir(bpy.types) if n.startswith("UNITAF_"))
out["scene_prop_left"] = hasattr(bpy.types.Scene, "unitaf")
if opts.backend == "real":
    recorder.close()
print("RESULT " + json.dumps(out))
