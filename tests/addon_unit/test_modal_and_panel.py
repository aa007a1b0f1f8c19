"""The interactive path with stand-ins: invoke returns at once while the backend works on a thread, the
modal handler applies the result on a timer tick, ESC cancels; and the panel draws every state."""

from __future__ import annotations

import threading
import types

import bpy
import numpy as np
import pytest

from unitaf_blender.blender import worker
from unitaf_blender.blender.apply import AppliedLine
from unitaf_blender.blender.operators import common
from unitaf_blender.core.backend_api import BackendCancelled, FaceResult
from unitaf_blender.core.channels import ARKIT_CHANNELS

pytestmark = pytest.mark.skipif(hasattr(bpy, "ops"), reason="stand-in tests; the real bpy is covered by integration")


class WindowManager:
    def __init__(self) -> None:
        self.timers: list[object] = []
        self.handlers: list[object] = []
        self.windows: list = []

    def event_timer_add(self, step, window=None):
        self.timers.append(object())
        return self.timers[-1]

    def event_timer_remove(self, timer):
        self.timers.remove(timer)

    def modal_handler_add(self, op):
        self.handlers.append(op)


class Op(common.LineOperator):
    def __init__(self, work) -> None:
        self.reports: list = []
        self.work = work

    def report(self, level, message):
        self.reports.append((next(iter(level)), message))

    def prepare(self, context):
        return common.PreparedLine(obj=types.SimpleNamespace(name="Face"), name="Hi", start_frame=1,
                                   mapping=None, work=self.work)


def _context():
    return types.SimpleNamespace(window=object(), window_manager=WindowManager(),
                                 scene=types.SimpleNamespace(unitaf=types.SimpleNamespace(last_result="",
                                                                                          last_error="")))


def _event(kind):
    return types.SimpleNamespace(type=kind, value="PRESS")


@pytest.fixture
def interactive(monkeypatch):
    monkeypatch.setattr(bpy.app, "background", False)
    applied = []

    def fake_apply(scene, obj, result, **kw):
        applied.append(result)
        return AppliedLine("UniTAF: Hi", None, None, 1, 5, 52)

    monkeypatch.setattr(common, "apply_face_result", fake_apply)
    return applied


def test_invoke_returns_while_the_backend_works_then_modal_applies(interactive):
    release = threading.Event()
    result = FaceResult(fps=24.0, channels=ARKIT_CHANNELS, weights=np.zeros((2, 52), np.float32), timeline={},
                        duration=0.05)

    def work(progress, cancel):
        progress(0.5, "speech")
        release.wait(5)
        return result

    ctx, op = _context(), Op(work)
    assert op.invoke(ctx, _event("NONE")) == {"RUNNING_MODAL"}       # the UI is free at once
    assert ctx.window_manager.handlers == [op] and len(ctx.window_manager.timers) == 1
    assert op.modal(ctx, _event("TIMER")) == {"RUNNING_MODAL"}       # still working
    assert op.modal(ctx, _event("MOUSEMOVE")) == {"PASS_THROUGH"}
    assert Op(work).invoke(ctx, _event("NONE")) == {"CANCELLED"}      # one line at a time
    release.set()
    worker.current_job().wait(5)
    assert op.modal(ctx, _event("TIMER")) == {"FINISHED"}
    assert interactive == [result] and ctx.window_manager.timers == []
    assert worker.current_job() is None
    assert op.reports[-1][0] == "INFO"


def test_escape_cancels_and_nothing_is_applied(interactive):
    def work(progress, cancel):
        while not cancel():
            threading.Event().wait(0.005)
        raise BackendCancelled("cancelled")

    ctx, op = _context(), Op(work)
    assert op.invoke(ctx, _event("NONE")) == {"RUNNING_MODAL"}
    job = worker.current_job()
    op.modal(ctx, _event("ESC"))
    assert job.wait(5)
    assert op.modal(ctx, _event("TIMER")) == {"CANCELLED"}
    assert interactive == [] and op.reports == [("WARNING", "cancelled; nothing was changed")]
    assert worker.current_job() is None and ctx.window_manager.timers == []


class Layout:
    """Records every call; any method returns a Layout, so nested rows/columns/boxes work."""

    def __init__(self, calls) -> None:
        self.calls = calls

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return Layout(self.calls)
        return call

    def __setattr__(self, name, value):
        if name == "calls":
            object.__setattr__(self, name, value)


def _settings(**kw):
    base = {"use_text_block": False, "text_block": None, "text": "Hi", "target": None, "use_current_frame": True,
            "start_frame": 1, "rig_convention": "AUTO", "mapping_rows": [], "mapping_object": "", "last_result": "", "last_error": "",
            "head_motion": False, "head_bone": ""}
    base.update(kw)
    return types.SimpleNamespace(**base)


def _mesh(names):
    blocks = [types.SimpleNamespace(name=n) for n in ["Basis", *names]]
    key = types.SimpleNamespace(key_blocks=blocks, reference_key=blocks[0])
    return types.SimpleNamespace(name="Face", type="MESH", data=types.SimpleNamespace(shape_keys=key),
                                 get=lambda _name, default=None: default)


@pytest.mark.parametrize("obj, expect_demo_button", [(None, True), (_mesh(["Foo"]), True), (_mesh(["jawOpen"]), False)])
def test_panel_draws_and_offers_the_demo_head_when_needed(obj, expect_demo_button):
    from unitaf_blender.blender.panel import UNITAF_PT_lines, UNITAF_PT_main, UNITAF_PT_mapping
    calls: list = []
    context = types.SimpleNamespace(scene=types.SimpleNamespace(unitaf=_settings(last_error="boom")),
                                    active_object=obj)
    UNITAF_PT_main.draw(types.SimpleNamespace(layout=Layout(calls)), context)
    operators = [c[1][0] for c in calls if c[0] == "operator"]
    assert "unitaf.generate_speech_animation" in operators
    assert ("unitaf.add_demo_head" in operators) == expect_demo_button
    assert ("unitaf.make_arkit_shape_keys" in operators) == expect_demo_button
    assert any(c[0] == "label" and c[2].get("text") == "boom" for c in calls)
    UNITAF_PT_mapping.draw_for(None, Layout(calls), context.scene.unitaf, obj)
    if obj is None:
        lines_calls: list = []
        UNITAF_PT_lines.draw_for(None, Layout(lines_calls), context.scene.unitaf, obj)
        assert [c[2].get("text") for c in lines_calls if c[0] == "label"] == ["No lines on this object yet"]


def test_panel_shows_progress_and_cancel_while_running():
    from unitaf_blender.blender.panel import UNITAF_PT_main
    release = threading.Event()
    job = worker.Job(lambda progress, cancel: (progress(0.4, "speech"), release.wait(5))[-1])
    worker.begin(job)
    try:
        while job.stage != "speech":
            threading.Event().wait(0.005)
        calls: list = []
        context = types.SimpleNamespace(scene=types.SimpleNamespace(unitaf=_settings()), active_object=None)
        UNITAF_PT_main.draw(types.SimpleNamespace(layout=Layout(calls)), context)
        assert [c[2]["factor"] for c in calls if c[0] == "progress"] == [0.4]
        assert "unitaf.cancel" in [c[1][0] for c in calls if c[0] == "operator"]
    finally:
        release.set()
        job.wait(5)
        worker.finish(job)
