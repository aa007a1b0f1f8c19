"""The reference head: a CC0 human head with the 52 ARKit shape offsets (see docs/head.md)."""

from .asset import HEAD_DIR, HEAD_PATH, ReferenceHead, head_from_arrays, load_reference_head

__all__ = ["HEAD_DIR", "HEAD_PATH", "ReferenceHead", "head_from_arrays", "load_reference_head"]
