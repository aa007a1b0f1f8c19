"""Rendering many lines into the line cache: one row's computation (``compute``), the run that feeds
rows to workers and streams results into the cache (``render``), and the Ray actor pool (``ray_pool``,
needs the ``cluster`` extra)."""
