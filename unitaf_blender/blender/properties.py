"""The panel's settings, stored per scene (`scene.unitaf`), and the editable channel-mapping rows."""

from __future__ import annotations

from typing import Any

import bpy
from bpy.props import (
    BoolProperty,
    CollectionProperty,
    EnumProperty,
    FloatProperty,
    IntProperty,
    PointerProperty,
    StringProperty,
)

from ..core.line_inputs import EMOTION_PRESETS, HEARD_EMOTION, MODES
from ..core.mapping import CONVENTIONS, SOURCE_CHANNELS

EMOTION_ITEMS = [(name, name.capitalize(), f"Speak and look {name}") for name in EMOTION_PRESETS]
# A recording may also have its emotion heard from the voice (per sentence, by the backend).
RECORDING_EMOTION_ITEMS = [*EMOTION_ITEMS, (HEARD_EMOTION, "Auto (heard)",
                                            "The emotion heard in the recording's voice, sentence by sentence")]
MODE_ITEMS = [("auto", "Auto", "Neural when its weights are installed, else rules"),
              ("neural", "Neural", "The audio-to-face model on the TTS's own features"),
              ("rules", "Rules", "The articulation model (phonemes to visemes)")]
assert tuple(i[0] for i in MODE_ITEMS) == MODES
SOURCE_ITEMS = [("NONE", "(not driven)", "Leave this shape key alone")] + [
    (name, name, "") for name in SOURCE_CHANNELS]
CONVENTION_ITEMS = [(key, label, f"Drive the rig as {label}" if key != "AUTO" else label)
                    for key, label in CONVENTIONS.items()]
RIG_CONVENTION = "unitaf_rig_convention"     # on an object: the convention Detect chose or was told


def rig_convention(obj: bpy.types.Object | None) -> str:
    """The convention saved on `obj` by Detect or a preset ('AUTO' when none)."""
    value = obj.get(RIG_CONVENTION, "AUTO") if obj is not None else "AUTO"
    return value if value in CONVENTIONS else "AUTO"


def _is_mesh(_self: object, obj: bpy.types.Object) -> bool:
    return obj.type == "MESH"


def _pose_picked(self: object, context: Any) -> None:
    """A pose Action picked in a bone-rig row: the armature's pose -> source map follows the rows."""
    from .bone_writer import save_pose_rows
    settings = context.scene.unitaf
    obj = bpy.data.objects.get(settings.mapping_object)
    if obj is not None and obj.type == "ARMATURE":
        save_pose_rows(obj, [(row.source, row.pose.name if row.pose is not None else "")
                             for row in settings.pose_rows])


class UNITAF_PoseRow(bpy.types.PropertyGroup):
    """One source of a bone face rig and the pose Action that follows it."""
    source: StringProperty(name="Source")  # type: ignore[valid-type]
    pose: PointerProperty(  # type: ignore[valid-type]
        name="Pose", type=bpy.types.Action, update=_pose_picked,
        description="The Action holding the face bones for this source at its first frame")


class UNITAF_MappingRow(bpy.types.PropertyGroup):
    """One shape key of the target and the channel that drives it."""
    target: StringProperty(name="Shape key")  # type: ignore[valid-type]
    source: EnumProperty(name="Channel", items=SOURCE_ITEMS, default="NONE")  # type: ignore[valid-type]
    how: StringProperty(name="Matched by")  # type: ignore[valid-type]


class UNITAF_SceneSettings(bpy.types.PropertyGroup):
    text: StringProperty(name="Line", description="What the character says")  # type: ignore[valid-type]
    use_text_block: BoolProperty(  # type: ignore[valid-type]
        name="Use Text", description="Take the line from a Text datablock (for long scripts)")
    text_block: PointerProperty(name="Text", type=bpy.types.Text)  # type: ignore[valid-type]
    emotion: EnumProperty(name="Emotion", items=EMOTION_ITEMS, default="neutral")  # type: ignore[valid-type]
    intensity: FloatProperty(name="Intensity", min=0.0, max=1.0, default=0.8)  # type: ignore[valid-type]
    voice: StringProperty(  # type: ignore[valid-type]
        name="Voice", description="Voice name (empty: the default voice from the preferences)")
    target: PointerProperty(  # type: ignore[valid-type]
        name="Target", type=bpy.types.Object, poll=_is_mesh,
        description="Mesh to animate (empty: the active object)")
    use_current_frame: BoolProperty(name="At Current Frame", default=True)  # type: ignore[valid-type]
    start_frame: IntProperty(name="Start Frame", default=1, min=0)  # type: ignore[valid-type]
    add_sound: BoolProperty(  # type: ignore[valid-type]
        name="Add Audio Strip", default=True, description="Put the speech in the sequencer")
    extend_range: BoolProperty(  # type: ignore[valid-type]
        name="Extend Frame Range", default=True, description="Make the scene end no earlier than the line")
    replace_overlapping: BoolProperty(  # type: ignore[valid-type]
        name="Retake Overlapping Line", default=True,
        description="A new line that covers most of an earlier line of the same character replaces it")
    markers: EnumProperty(  # type: ignore[valid-type]
        name="Markers", default="none", description="Timeline markers for the line's words or sentences",
        items=[("none", "No Markers", "No timeline markers"), ("words", "Words", "A marker at each word"),
               ("sentences", "Sentences", "A marker at each sentence")])
    head_motion: BoolProperty(  # type: ignore[valid-type]
        name="Head Motion", default=False,
        description="Move the head with the speech: on the head bone when the mesh has an armature, "
                    "else the object (its delta rotation)")
    head_bone: StringProperty(  # type: ignore[valid-type]
        name="Head Bone", description="The armature's head bone (empty: a bone named head, Head, DEF-head ...)")
    line_index: IntProperty(  # type: ignore[valid-type]
        description="The line picked in the target's list of lines (an index into the file's Actions)")
    mode: EnumProperty(name="Mode", items=MODE_ITEMS, default="auto")  # type: ignore[valid-type]
    rig_convention: EnumProperty(  # type: ignore[valid-type]
        name="Rig", items=CONVENTION_ITEMS, default="AUTO",
        description="How the target's keys are driven; Detect saves the choice on the object")
    mapping_rows: CollectionProperty(type=UNITAF_MappingRow)  # type: ignore[valid-type]
    mapping_index: IntProperty()  # type: ignore[valid-type]
    pose_rows: CollectionProperty(type=UNITAF_PoseRow)  # type: ignore[valid-type]
    mapping_object: StringProperty(  # type: ignore[valid-type]
        description="The object the mapping rows were made for")
    show_mapping: BoolProperty(name="Channel Mapping", default=False)  # type: ignore[valid-type]
    last_result: StringProperty()  # type: ignore[valid-type]
    last_error: StringProperty()  # type: ignore[valid-type]


def panel_text(settings: UNITAF_SceneSettings) -> str:
    """The line the panel holds: the Text datablock's content or the one-line field."""
    if settings.use_text_block and settings.text_block is not None:
        return str(settings.text_block.as_string())
    return str(settings.text)


def rows_mapping(settings: UNITAF_SceneSettings, obj: bpy.types.Object | None) -> dict[str, str] | None:
    """The mapping edited in the panel, if it was made for `obj` (else None: find one automatically)."""
    if obj is None or settings.mapping_object != obj.name or len(settings.mapping_rows) == 0:
        return None
    return {row.target: row.source for row in settings.mapping_rows if row.source != "NONE"}


CLASSES = (UNITAF_PoseRow, UNITAF_MappingRow, UNITAF_SceneSettings)


def register_properties() -> None:
    bpy.types.Scene.unitaf = PointerProperty(type=UNITAF_SceneSettings)  # type: ignore[attr-defined,func-returns-value]


def unregister_properties() -> None:
    del bpy.types.Scene.unitaf  # type: ignore[attr-defined]
