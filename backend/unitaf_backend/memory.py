"""Giving freed memory back to the system.

glibc keeps the heap a large job freed (decoded audio, features, the answer's bytes) for reuse, so a
server's resident size stays at its peak after one big request. `release_freed_memory` asks it to hand
that back (malloc_trim); a no-op where there is no glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():  # type: ignore[no-untyped-def]
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_freed_memory() -> None:
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
