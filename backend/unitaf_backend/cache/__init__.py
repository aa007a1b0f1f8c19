"""The line cache: a line's result stored under a hash of everything that decides it.

- ``key``: ``LineRecipe`` (what a row asks for) and ``line_key`` (recipe + pipeline version -> hex key);
- ``version``: the pipeline version, from the backend version and the hashes of the shipped models;
- ``store``: ``LineCache``, entries written as a set (temp folder, then one rename) with checksums;
- ``rows``: a dialogue file's rows -> recipes (the columns that decide a row's result).

The add-on reads the same entries (``unitaf_blender/core/line_cache.py``); the key's spelling is fixed
by ``key.canonical`` and a test checks both sides agree.
"""

from .key import LineRecipe, line_key
from .store import CachedLine, CacheError, LineCache

__all__ = ["CacheError", "CachedLine", "LineCache", "LineRecipe", "line_key"]
