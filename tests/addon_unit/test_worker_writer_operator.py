"""bpy-facing logic with small hand-made stand-ins: the worker thread, the keyframe writer (layered 5.0 API
and legacy 4.2 API), the NLA placement, and the operators' outcome handling."""

from __future__ import annotations

import threading
import types

import bpy
import numpy as np
import pytest

from unitaf_blender.blender import compat, worker, writer
from unitaf_blender.blender.operators import common
from unitaf_blender.core.backend_api import BackendCancelled, BackendError, FaceResult
from unitaf_blender.core.channels import ARKIT_CHANNELS
from unitaf_blender.core.line_inputs import InputError
from unitaf_blender.core.mapping import MappingError

pytestmark = pytest.mark.skipif(hasattr(bpy, "ops"), reason="stand-in tests; the real bpy is covered by integration")


def _result() -> FaceResult:
    return FaceResult(fps=24.0, channels=ARKIT_CHANNELS, weights=np.zeros((3, 52), np.float32), timeline={},
                      duration=0.1)


# ------------------------------------------------------------------------------------------- worker

def test_job_runs_here_and_returns_the_result():
    seen = []
    job = worker.Job(lambda progress, cancel: (progress(0.5, "speech"), seen.append(cancel()), _result())[-1])
    result = job.run_here()
    assert result.fps == 24.0 and seen == [False]
    assert (job.progress, job.stage) == (0.5, "speech") and job.done
    assert worker.current_job() is None


def test_job_error_is_raised_in_the_caller():
    def fail(progress, cancel):
        raise BackendError("backend down")
    with pytest.raises(BackendError, match="backend down"):
        worker.Job(fail).run_here()


def test_thread_job_cancel_reaches_the_work():
    started = threading.Event()

    def slow(progress, cancel):
        started.set()
        while not cancel():
            threading.Event().wait(0.005)
        raise BackendCancelled("cancelled")

    job = worker.Job(slow)
    worker.begin(job)
    try:
        assert started.wait(5)
        assert worker.current_job() is job
        with pytest.raises(RuntimeError, match="already running"):
            worker.begin(worker.Job(slow))
        assert worker.cancel_current()
        assert job.wait(5)
        assert isinstance(job.error, BackendCancelled) and job.result is None
    finally:
        worker.finish(job)
    assert worker.current_job() is None and not worker.cancel_current()


def test_a_result_arriving_after_cancel_is_dropped():
    job = worker.Job(lambda progress, cancel: (job.cancel(), _result())[-1])
    with pytest.raises(BackendCancelled):
        job.run_here()


# ------------------------------------------------------------------------------------------- writer

class Points:
    def __init__(self) -> None:
        self.n = 0
        self.data: dict[str, np.ndarray] = {}

    def add(self, n: int) -> None:
        self.n += n

    def foreach_set(self, attr: str, seq) -> None:
        self.data[attr] = np.asarray(seq).copy()


class Curve:
    def __init__(self, data_path: str, index: int, group: str | None) -> None:
        self.data_path, self.index, self.group = data_path, index, group
        self.keyframe_points = Points()
        self.updated = False

    def update(self) -> None:
        self.updated = True


class Curves(list):
    def new(self, data_path, index=0, action_group=None):
        curve = Curve(data_path, index, action_group)
        self.append(curve)
        return curve


class Action:
    """Layered (slots, layers, strips, channelbags) and legacy (fcurves) at once; `layered` says which is used."""

    def __init__(self, name: str) -> None:
        self.name, self.users, self.use_fake_user, self.props = name, 0, False, {}
        self.fcurves = Curves()
        self.bag = types.SimpleNamespace(fcurves=Curves())
        strip = types.SimpleNamespace(channelbag=lambda slot, ensure=False: self.bag)
        self.layer = types.SimpleNamespace(strips=types.SimpleNamespace(new=lambda type: strip))
        self.layers = types.SimpleNamespace(new=lambda name: self.layer)
        self.slots = types.SimpleNamespace(new=lambda id_type, name: f"slot:{id_type}:{name}")

    def __setitem__(self, k, v):
        self.props[k] = v

    def get(self, k, default=None):
        return self.props.get(k, default)


class Actions(dict):
    def new(self, name):
        self[name] = Action(name)
        return self[name]

    def remove(self, action):
        del self[action.name]


@pytest.fixture
def data(monkeypatch):
    actions = Actions()
    monkeypatch.setattr(bpy, "data", types.SimpleNamespace(actions=actions, filepath=""))
    return actions


@pytest.mark.parametrize("layered", [True, False])
def test_write_key_action_fills_keys_in_bulk(data, monkeypatch, layered):
    monkeypatch.setattr(writer, "LAYERED_ACTIONS", layered)
    key = types.SimpleNamespace(name="Key")
    frames = np.array([5, 6, 7], dtype=np.float32)
    curves = {"jawOpen": np.array([0.0, 0.5, 1.0]), 'odd "name"': np.array([0.2, 0.2, 0.2])}
    written = writer.write_key_action(key, "UniTAF: Hi", frames, curves)
    action = data["UniTAF: Hi"]
    made = action.bag.fcurves if layered else action.fcurves
    assert written.slot == ("slot:KEY:Key" if layered else None)
    assert [c.data_path for c in made] == ['key_blocks["jawOpen"].value', 'key_blocks["odd \\"name\\""].value']
    assert all(c.group == (None if layered else writer.CHANNEL_GROUP) for c in made)
    jaw = made[0].keyframe_points
    assert jaw.n == 3
    np.testing.assert_allclose(jaw.data["co"], [5, 0.0, 6, 0.5, 7, 1.0])
    np.testing.assert_array_equal(jaw.data["interpolation"], [writer.INTERPOLATION_LINEAR] * 3)
    assert all(c.updated for c in made)
    assert written.fcurve_count == 2


def test_write_key_action_removes_its_action_when_it_fails(data, monkeypatch):
    monkeypatch.setattr(writer, "LAYERED_ACTIONS", False)
    with pytest.raises(ValueError):
        writer.write_key_action(types.SimpleNamespace(name="Key"), "A", np.zeros(2, np.float32),
                                {"jawOpen": np.zeros(3)})            # 2 frames but 3 values
    assert "A" not in data


class AnimData:
    def __init__(self, action=None) -> None:
        self.action, self.action_slot = action, None
        self.action_blend_type = "REPLACE"
        self.nla_tracks = Tracks()


class Track:
    def __init__(self) -> None:
        self.name, self.strips = "NlaTrack", Strips()


class Strips(list):
    def new(self, name, start, action):
        strip = types.SimpleNamespace(name=name, frame_start=start, frame_end=start + 10, action=action,
                                      action_slot=None, extrapolation="HOLD", use_auto_blend=True,
                                      blend_in=0.0, blend_out=0.0)
        self.append(strip)
        return strip


class Tracks(list):
    def new(self):
        self.append(Track())
        return self[-1]


def _line(name):
    action = Action(name)
    action.get = lambda k, d=None: {writer.LINE_TAG: name}.get(k, d)
    return writer.WrittenAction(action=action, slot="s", fcurve_count=1)


def test_each_line_gets_its_own_track_the_lowest_holds_and_the_others_blend():
    anim = AnimData()
    key = types.SimpleNamespace(animation_data=anim)
    for name, start in (("a", 1), ("b", 20), ("c", 5)):
        written = _line(name)
        writer.assign_action(key, written, start_frame=start)
        assert written.nla_strip_name == name
    writer.settle_tracks(anim)
    assert anim.action is None
    assert [[s.name for s in t.strips] for t in anim.nla_tracks] == [["a"], ["b"], ["c"]]
    assert [t.name for t in anim.nla_tracks] == ["a", "b", "c"]
    strips = [t.strips[0] for t in anim.nla_tracks]
    assert [s.extrapolation for s in strips] == ["HOLD", "NOTHING", "NOTHING"]
    assert [(s.blend_in, s.blend_out) for s in strips] == [(0.0, 0.0), (1.0, 1.0), (1.0, 1.0)]
    assert not any(s.use_auto_blend for s in strips)
    assert all(s.action_slot == "s" for s in strips)


def test_a_track_that_is_not_a_line_is_left_alone():
    anim = AnimData()
    theirs = anim.nla_tracks.new()
    theirs.strips.new("walk", 1, Action("walk"))        # an Action without our tag
    writer.assign_action(types.SimpleNamespace(animation_data=anim), _line("a"), start_frame=1)
    writer.settle_tracks(anim)
    assert theirs.strips[0].extrapolation == "HOLD" and theirs.strips[0].use_auto_blend
    assert anim.nla_tracks[1].strips[0].extrapolation == "HOLD"      # the lowest line holds


def test_compat_picks_the_strip_collection():
    new_api = types.SimpleNamespace(strips="new", strips_all="all-new")
    old_api = types.SimpleNamespace(sequences="old", sequences_all="all-old")
    assert (compat.strips_collection(new_api), compat.all_strips(new_api)) == ("new", "all-new")
    assert (compat.strips_collection(old_api), compat.all_strips(old_api)) == ("old", "all-old")
    assert compat.addon_package() == "unitaf_blender"


# ----------------------------------------------------------------------------------------- operators

class Op(common.LineOperator):
    """The operators' shared flow with stand-in prepare/apply and a report recorder."""

    def __init__(self, prepared=None, prepare_error=None) -> None:
        self.reports: list[tuple[str, str]] = []
        self.prepared, self.prepare_error = prepared, prepare_error

    def report(self, level, message):
        self.reports.append((next(iter(level)), message))

    def prepare(self, context):
        if self.prepare_error is not None:
            raise self.prepare_error
        return self.prepared


def _context():
    settings = types.SimpleNamespace(last_result="", last_error="old error")
    return types.SimpleNamespace(scene=types.SimpleNamespace(unitaf=settings), window=None)


def _prepared(work):
    return common.PreparedLine(obj=types.SimpleNamespace(name="Face"), name="Hi", start_frame=1, mapping=None,
                               work=work)


def test_execute_applies_the_result_and_reports_once(monkeypatch):
    from unitaf_blender.blender.apply import AppliedLine
    calls = []

    def fake_apply(scene, obj, result, **kw):
        calls.append(kw)
        return AppliedLine("UniTAF: Hi", "UniTAF: Hi", "/a/hi.wav", 1, 10, 52)

    monkeypatch.setattr(common, "apply_face_result", fake_apply)
    ctx = _context()
    op = Op(_prepared(lambda progress, cancel: _result()))
    assert op.execute(ctx) == {"FINISHED"}
    assert calls[0]["start_frame"] == 1 and calls[0]["name"] == "Hi"
    assert op.reports == [("INFO", "'UniTAF: Hi' on Face: 52 shape keys, frames 1-10; sound strip 'UniTAF: Hi'")]
    assert ctx.scene.unitaf.last_result == op.reports[0][1] and ctx.scene.unitaf.last_error == ""


@pytest.mark.parametrize("error, level, text", [
    (MappingError("no active object: select the mesh"), "ERROR", "no active object: select the mesh"),
    (InputError("the line is empty"), "ERROR", "the line is empty"),
    (BackendError("cannot reach the backend"), "ERROR", "cannot reach the backend"),
    (BackendCancelled("cancelled"), "WARNING", "cancelled; nothing was changed"),
    (KeyError("boom"), "ERROR", "unexpected error (KeyError: 'boom'); nothing was changed"),
])
def test_every_failure_is_one_report_and_nothing_is_applied(monkeypatch, error, level, text):
    monkeypatch.setattr(common, "apply_face_result", lambda *a, **k: pytest.fail("must not apply"))
    ctx = _context()

    def work(progress, cancel):
        raise error

    for op in (Op(prepare_error=error), Op(_prepared(work))):
        assert op.execute(ctx) == {"CANCELLED"}
        assert op.reports == [(level, text)]
        assert ctx.scene.unitaf.last_error == text


def test_apply_failure_is_reported(monkeypatch):
    def broken_apply(*a, **k):
        raise MappingError("none of the mapped shape keys exist on this mesh")
    monkeypatch.setattr(common, "apply_face_result", broken_apply)
    op = Op(_prepared(lambda progress, cancel: _result()))
    assert op.execute(_context()) == {"CANCELLED"}
    assert op.reports == [("ERROR", "none of the mapped shape keys exist on this mesh")]


def test_check_backend_reports_what_to_do(monkeypatch):
    from unitaf_blender.blender.operators import check_backend
    from unitaf_blender.blender.preferences import Settings
    monkeypatch.setattr(check_backend, "in_process_available", lambda: False)
    ok, summary = check_backend.run_check(Settings(python_path=""))
    assert not ok and "Backend Python" in summary
    monkeypatch.setattr(check_backend, "in_process_available", lambda: True)
    assert check_backend.run_check(Settings())[0]


def test_target_deleted_while_generating_is_reported(monkeypatch):
    monkeypatch.setattr(common, "apply_face_result", lambda *a, **k: pytest.fail("must not apply"))

    class Removed:
        @property
        def name(self):
            raise ReferenceError("StructRNA of type Object has been removed")

    op = Op(common.PreparedLine(obj=Removed(), name="Hi", start_frame=1, mapping=None,
                                work=lambda progress, cancel: _result()))
    assert op.execute(_context()) == {"CANCELLED"}
    assert op.reports == [("ERROR", "the target object was deleted while the line was being generated; "
                                    "nothing was changed")]
