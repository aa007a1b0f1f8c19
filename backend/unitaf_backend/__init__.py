"""UniTAF backend: speech, face motion, A2F model, service and the `unitaf` CLI."""

__version__ = "0.1.0"
