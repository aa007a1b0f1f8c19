"""Errors the backend reports to people: one clear line each, never a traceback."""


class UnitafError(Exception):
    """Base of every error meant for the user. str(err) is the one line to show."""


class BadInput(UnitafError):
    """The request itself is wrong (empty text, unknown emotion, corrupt WAV...): CLI exit 2, HTTP 4xx."""


class NotInstalled(UnitafError):
    """A voice, language, model or engine that is asked for is not installed here."""


class Cancelled(UnitafError):
    """The caller cancelled the work."""


class Busy(UnitafError):
    """The backend is at a capacity limit right now (not the request's fault): HTTP 503, retry shortly."""
