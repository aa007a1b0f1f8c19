"""The add-on's version and the backend protocol versions it speaks."""

from __future__ import annotations

ADDON_VERSION = "0.1.0"     # keep equal to blender_manifest.toml `version`
API_VERSION = 1             # the /v1 HTTP API
WIRE_VERSION = 1            # the binary result payload (see wire.py)


def _major_minor(version: str) -> tuple[str, str]:
    parts = version.strip().split(".")
    return (parts[0], parts[1] if len(parts) > 1 else "0")


def versions_compatible(addon_version: str, backend_version: str) -> bool:
    """Add-on and backend are released together: their major.minor must match (patches may differ)."""
    return _major_minor(addon_version) == _major_minor(backend_version)
