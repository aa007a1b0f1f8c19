"""One operator per module; CLASSES lists them all for registration."""

from . import (
    add_demo_head,
    animate_from_audio,
    cancel,
    check_backend,
    export_fbx,
    export_live_link,
    find_face_landmarks,
    generate_speech_animation,
    line_ops,
    make_arkit_shape_keys,
    mapping_ops,
)

CLASSES = (
    generate_speech_animation.UNITAF_OT_generate_speech_animation,
    animate_from_audio.UNITAF_OT_animate_from_audio,
    add_demo_head.UNITAF_OT_add_demo_head,
    make_arkit_shape_keys.UNITAF_OT_make_arkit_shape_keys,
    find_face_landmarks.UNITAF_OT_find_face_landmarks,
    cancel.UNITAF_OT_cancel,
    check_backend.UNITAF_OT_check_backend,
    *mapping_ops.CLASSES,
    *line_ops.CLASSES,
    *export_live_link.CLASSES,
    *export_fbx.CLASSES,
)
