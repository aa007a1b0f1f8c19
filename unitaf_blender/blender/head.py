"""The reference head in Blender: the mesh with its 52 ARKit shape keys, its materials, and a small
camera and light rig that frames the face for preview renders. Works on Blender 4.2 LTS to 5.x.

    obj = create_reference_head(context)              # or a Scene; linked to the active collection
    cam = frame_face_camera(context.scene, obj)       # camera + three lights, set as the scene camera
"""

from __future__ import annotations

import math
from typing import Any

import bpy
import numpy as np
from mathutils import Vector

from ..core.head_data import HeadMeshData, load_head_mesh_data

DEFAULT_NAME = "UniTAF Head"
LIPS_ATTRIBUTE = "unitaf_lips"
MOUTH_INSIDE_ATTRIBUTE = "unitaf_mouth_inside"
REST_ATTRIBUTE = "unitaf_rest"  # the neutral position, so painted features stay on the skin when it moves

# Linear-light colours (not sRGB).
SKIN_COLOUR = (0.56, 0.30, 0.21, 1.0)
LIPS_COLOUR = (0.30, 0.085, 0.08, 1.0)
MOUTH_INSIDE_COLOUR = (0.07, 0.012, 0.014, 1.0)
BROWS_COLOUR = (0.025, 0.014, 0.008, 1.0)
TEETH_COLOUR = (0.75, 0.70, 0.60, 1.0)
TONGUE_COLOUR = (0.28, 0.06, 0.06, 1.0)
HAIR_COLOUR = (0.045, 0.03, 0.022, 1.0)
SCLERA_COLOUR = (0.80, 0.77, 0.73, 1.0)
IRIS_OUTER_COLOUR = (0.035, 0.018, 0.008, 1.0)
IRIS_INNER_COLOUR = (0.16, 0.08, 0.025, 1.0)
LIMBUS_COLOUR = (0.015, 0.02, 0.025, 1.0)
PUPIL_COLOUR = (0.003, 0.003, 0.003, 1.0)
# The eyeball's UV v is 1 - (angle from the gaze axis) / 180 degrees (see docs/head.md).
PUPIL_DEGREES = 10.0
IRIS_DEGREES = 29.0


def _scene_and_collection(context_or_scene: Any) -> tuple[Any, Any]:
    if isinstance(context_or_scene, bpy.types.Scene):
        return context_or_scene, context_or_scene.collection
    scene = context_or_scene.scene
    collection = getattr(context_or_scene, "collection", None) or scene.collection
    return scene, collection


def create_reference_head(context_or_scene: Any, name: str = DEFAULT_NAME,
                          location: tuple[float, float, float] = (0.0, 0.0, 0.0),
                          data: HeadMeshData | None = None) -> Any:
    """Add the reference head (a new object, mesh and materials; nothing existing is touched).

    Its shape keys are 'Basis' then the 52 ARKit channels in Apple's order, every value 0.
    Raises FileNotFoundError when the head file is missing and ValueError when it is corrupt.
    """
    data = load_head_mesh_data() if data is None else data
    _scene, collection = _scene_and_collection(context_or_scene)

    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(data.vertices.tolist(), [], data.polygons)
    uv_layer = mesh.uv_layers.new(name="UVMap")
    uv_layer.data.foreach_set("uv", data.loop_uvs.ravel())
    mesh.polygons.foreach_set("material_index", data.polygon_material)
    mesh.polygons.foreach_set("use_smooth", np.ones(len(data.polygon_sizes), dtype=bool))
    for attribute, key in ((LIPS_ATTRIBUTE, "lips"), (MOUTH_INSIDE_ATTRIBUTE, "mouth_inside")):
        layer: Any = mesh.attributes.new(attribute, "FLOAT", "POINT")
        layer.data.foreach_set("value", data.vertex_weights[key])
    rest: Any = mesh.attributes.new(REST_ATTRIBUTE, "FLOAT_VECTOR", "POINT")
    rest.data.foreach_set("vector", data.vertices.ravel())
    for material_name in data.materials:
        mesh.materials.append(_make_material(material_name, data))
    mesh.update()

    obj = bpy.data.objects.new(name, mesh)
    obj.location = location
    collection.objects.link(obj)

    obj.shape_key_add(name="Basis", from_mix=False).value = 0.0  # the reference key; 0 on every version
    for index, channel in enumerate(data.channels):
        block = obj.shape_key_add(name=channel, from_mix=False)
        block.data.foreach_set("co", data.key_coordinates(index).ravel())
        block.slider_min, block.slider_max = 0.0, 1.0
        block.value = 0.0  # Blender 5.0 starts new keys at 1.0
    shape_keys: Any = mesh.shape_keys
    shape_keys.use_relative = True

    subsurf: Any = obj.modifiers.new("Subdivision", "SUBSURF")
    subsurf.levels = 1
    subsurf.render_levels = 1
    return obj


# ------------------------------------------------------------------------------------------------
# materials


def _principled(nodes: Any) -> Any:
    for node in nodes:
        if node.type == "BSDF_PRINCIPLED":
            return node
    return nodes.new("ShaderNodeBsdfPrincipled")


def _set_inputs(node: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key in node.inputs:
            node.inputs[key].default_value = value


def _make_material(kind: str, data: HeadMeshData) -> Any:
    material = bpy.data.materials.new(f"UniTAF {kind.capitalize()}")
    material.use_nodes = True
    tree: Any = material.node_tree
    nodes, links = tree.nodes, tree.links
    bsdf = _principled(nodes)
    if kind == "skin":
        _skin(nodes, links, bsdf, data)
        material.diffuse_color = SKIN_COLOUR
    elif kind == "eye":
        _eye(nodes, links, bsdf)
        material.diffuse_color = SCLERA_COLOUR
    elif kind == "teeth":
        _set_inputs(bsdf, {"Base Color": TEETH_COLOUR, "Roughness": 0.25, "Subsurface Weight": 0.1,
                           "Subsurface Radius": (0.9, 0.7, 0.5), "Subsurface Scale": 0.002})
        material.diffuse_color = TEETH_COLOUR
    elif kind == "hair":          # brows and lashes: dark, a little sheen, no subsurface
        _set_inputs(bsdf, {"Base Color": HAIR_COLOUR, "Roughness": 0.8})
        material.diffuse_color = HAIR_COLOUR
    elif kind == "tongue":
        _set_inputs(bsdf, {"Base Color": TONGUE_COLOUR, "Roughness": 0.35, "Subsurface Weight": 0.2,
                           "Subsurface Radius": (1.0, 0.3, 0.2), "Subsurface Scale": 0.003})
        material.diffuse_color = TONGUE_COLOUR
    else:
        raise ValueError(f"unknown head material {kind!r}")
    return material


def _brow_mask(nodes: Any, links: Any, data: HeadMeshData) -> Any:
    """Painted eyebrows (hm08 has none): a tapered arch over each eye on the neutral skin position, with
    hair-like streaks. In eye-radius units from the eye centre: from 1.1 inward to 1.5 outward, the
    middle line 1.1 above the centre rising by 0.3 over the arch. Returns the mask's output socket."""
    ex, ey, ez = (float(c) for c in data.eye_centres[0])
    r = data.eye_radius

    def op(operation: str, a: Any, b: Any = 0.0, c: Any = 0.0, clamp: bool = False) -> Any:
        node = nodes.new("ShaderNodeMath")
        node.operation = operation
        node.use_clamp = clamp
        for socket, value in zip(node.inputs, (a, b, c)):
            if isinstance(value, float):
                socket.default_value = value
            else:
                links.new(value, socket)
        return node.outputs[0]

    rest = nodes.new("ShaderNodeAttribute")
    rest.attribute_name = REST_ATTRIBUTE
    xyz = nodes.new("ShaderNodeSeparateXYZ")
    links.new(rest.outputs["Vector"], xyz.inputs["Vector"])
    x, y, z = xyz.outputs["X"], xyz.outputs["Y"], xyz.outputs["Z"]
    u = op("MULTIPLY_ADD", op("ABSOLUTE", x), 1.0 / r, -ex / r)     # outward from the eye centre
    h = op("MULTIPLY_ADD", z, 1.0 / r, -ez / r)                        # up from the eye centre
    t = op("MULTIPLY_ADD", u, 1.0 / 2.6, 1.1 / 2.6, clamp=True)        # 0 at the inner head, 1 at the tail
    arch = op("SINE", op("MULTIPLY", op("MULTIPLY", t, 1.15, clamp=True), math.pi))
    middle = op("MULTIPLY_ADD", t, -0.2, op("MULTIPLY_ADD", arch, 0.3, 1.1))
    half = op("MULTIPLY_ADD", t, -0.3, 0.6)
    across = op("SUBTRACT", 1.0, op("DIVIDE", op("ABSOLUTE", op("SUBTRACT", h, middle)), half), clamp=True)
    along = op("MINIMUM", op("MULTIPLY_ADD", u, 1.0 / 0.35, 1.1 / 0.35),
                 op("MULTIPLY_ADD", u, -2.0, 3.0), clamp=True)
    front = op("LESS_THAN", y, ey)
    # hair: noise stretched along the brow
    streak_coords = nodes.new("ShaderNodeCombineXYZ")
    links.new(op("MULTIPLY", u, 1.5), streak_coords.inputs["X"])
    links.new(op("MULTIPLY", h, 16.0), streak_coords.inputs["Y"])
    noise = nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = 1.0
    noise.inputs["Detail"].default_value = 4.0
    links.new(streak_coords.outputs["Vector"], noise.inputs["Vector"])
    hair = op("MULTIPLY_ADD", noise.outputs["Fac"], 1.4, 0.1, clamp=True)
    mask = op("MULTIPLY", op("MULTIPLY", op("SQRT", across), along), front)
    return op("MULTIPLY", mask, hair)


def _skin(nodes: Any, links: Any, bsdf: Any, data: HeadMeshData) -> None:
    """Skin colour, darkened to lip colour and to the inside of the mouth by the mesh's mask attributes."""
    lips = nodes.new("ShaderNodeAttribute")
    lips.attribute_name = LIPS_ATTRIBUTE
    inside = nodes.new("ShaderNodeAttribute")
    inside.attribute_name = MOUTH_INSIDE_ATTRIBUTE
    to_lips = nodes.new("ShaderNodeMix")
    to_lips.data_type = "RGBA"
    to_lips.inputs[6].default_value = SKIN_COLOUR
    to_lips.inputs[7].default_value = LIPS_COLOUR
    links.new(lips.outputs["Fac"], to_lips.inputs[0])
    to_inside = nodes.new("ShaderNodeMix")
    to_inside.data_type = "RGBA"
    to_inside.inputs[7].default_value = MOUTH_INSIDE_COLOUR
    links.new(to_lips.outputs[2], to_inside.inputs[6])
    links.new(inside.outputs["Fac"], to_inside.inputs[0])
    brow_amount = _brow_mask(nodes, links, data)
    to_brows = nodes.new("ShaderNodeMix")
    to_brows.data_type = "RGBA"
    to_brows.inputs[7].default_value = BROWS_COLOUR
    links.new(to_inside.outputs[2], to_brows.inputs[6])
    links.new(brow_amount, to_brows.inputs[0])
    links.new(to_brows.outputs[2], bsdf.inputs["Base Color"])
    # a little less shine on the lips' edge than on the lips, more than on the skin
    rough = nodes.new("ShaderNodeMapRange")
    rough.inputs["To Min"].default_value = 0.5
    rough.inputs["To Max"].default_value = 0.35
    links.new(lips.outputs["Fac"], rough.inputs["Value"])
    links.new(rough.outputs["Result"], bsdf.inputs["Roughness"])
    _set_inputs(bsdf, {"Subsurface Weight": 0.25, "Subsurface Radius": (1.0, 0.35, 0.2),
                       "Subsurface Scale": 0.004, "Specular IOR Level": 0.4})


def _eye(nodes: Any, links: Any, bsdf: Any) -> None:
    """Sclera, iris, limbal ring and pupil as bands of the eyeball's UV v (angle from the gaze axis)."""
    uv = nodes.new("ShaderNodeUVMap")
    split = nodes.new("ShaderNodeSeparateXYZ")
    links.new(uv.outputs["UV"], split.inputs["Vector"])
    ramp = nodes.new("ShaderNodeValToRGB")
    stops = ramp.color_ramp.elements

    def at(degrees: float) -> float:
        return 1.0 - degrees / 180.0

    points = [
        (at(IRIS_DEGREES + 4.0), SCLERA_COLOUR),
        (at(IRIS_DEGREES + 0.5), LIMBUS_COLOUR),
        (at(IRIS_DEGREES - 2.0), IRIS_OUTER_COLOUR),
        (at(PUPIL_DEGREES + 2.0), IRIS_INNER_COLOUR),
        (at(PUPIL_DEGREES), PUPIL_COLOUR),
    ]
    stops[0].position, stops[0].color = 0.0, SCLERA_COLOUR
    stops[1].position, stops[1].color = 1.0, PUPIL_COLOUR
    for position, colour in points:
        stop = stops.new(position)
        stop.color = colour
    links.new(split.outputs["Y"], ramp.inputs["Fac"])
    links.new(ramp.outputs["Color"], bsdf.inputs["Base Color"])
    _set_inputs(bsdf, {"Roughness": 0.05, "Specular IOR Level": 0.6, "Coat Weight": 0.5,
                       "Coat Roughness": 0.02})


# ------------------------------------------------------------------------------------------------
# preview camera and lights


def face_bounds(head_obj: Any) -> tuple[Vector, Vector]:
    """World-space bounding box (min, max) of the head object."""
    corners = [head_obj.matrix_world @ Vector(c) for c in head_obj.bound_box]
    lo = Vector((min(c.x for c in corners), min(c.y for c in corners), min(c.z for c in corners)))
    hi = Vector((max(c.x for c in corners), max(c.y for c in corners), max(c.z for c in corners)))
    return lo, hi


def _look_at(obj: Any, target: Vector) -> None:
    obj.rotation_euler = (target - obj.location).to_track_quat("-Z", "Y").to_euler()


def frame_face_camera(scene: Any, head_obj: Any, name: str = "UniTAF Face Camera",
                      lens_mm: float = 85.0, with_lights: bool = True) -> Any:
    """Add a portrait camera looking at the face (from -Y, the way the head faces) and, unless told
    not to, a key, a fill and a rim light; make the camera the scene camera and return it. A scene
    without a world gets a dim grey one; an existing world is left as it is."""
    lo, hi = face_bounds(head_obj)
    height = hi.z - lo.z
    # the face proper sits in the upper 80 % of the object (the rest is the neck stub)
    target = Vector(((lo.x + hi.x) / 2.0, lo.y, lo.z + 0.58 * height))
    camera_data = bpy.data.cameras.new(name)
    camera_data.lens = lens_mm
    camera_data.sensor_fit = "VERTICAL"
    camera_data.clip_start = 0.01
    fov = 2.0 * math.atan(camera_data.sensor_height / (2.0 * lens_mm))
    distance = (0.5 * 0.92 * height) / math.tan(fov / 2.0)
    camera = bpy.data.objects.new(name, camera_data)
    camera.location = target + Vector((0.0, -distance, 0.03 * distance))
    _look_at(camera, target)
    scene.collection.objects.link(camera)
    scene.camera = camera
    if with_lights:
        for light_name, offset, power, size, colour in (
            ("UniTAF Key Light", (-0.55, -0.75, 0.45), 30.0, 0.35, (1.0, 0.93, 0.86)),
            ("UniTAF Fill Light", (0.75, -0.6, 0.05), 7.0, 0.6, (0.85, 0.92, 1.0)),
            ("UniTAF Rim Light", (0.35, 0.7, 0.45), 25.0, 0.3, (1.0, 1.0, 1.0)),
        ):
            light_data: Any = bpy.data.lights.new(light_name, "AREA")
            light_data.energy = power
            light_data.size = size
            light_data.color = colour
            light = bpy.data.objects.new(light_name, light_data)
            light.location = target + Vector(offset)
            _look_at(light, target)
            scene.collection.objects.link(light)
    if scene.world is None:
        world = bpy.data.worlds.new("UniTAF World")
        world.use_nodes = True
        world_tree: Any = world.node_tree
        background = world_tree.nodes.get("Background")
        if background is not None:
            background.inputs["Color"].default_value = (0.05, 0.055, 0.06, 1.0)
            background.inputs["Strength"].default_value = 1.0
        scene.world = world
    return camera
