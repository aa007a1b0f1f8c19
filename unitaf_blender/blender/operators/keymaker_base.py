"""What the key maker's operators share: the poll (a mesh to work on, no line running) and one report
for every outcome (a failure changed nothing)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.keymaker_client import KeymakerError
from ...core.mapping import MappingError
from .common import SceneOperator, settings_of, target_object

if TYPE_CHECKING:
    from .common import Result

# What a key maker run may fail with: shown as one line, nothing changed.
KEYMAKER_ERRORS = (KeymakerError, MappingError, OSError, ValueError)


class KeymakerOperator(SceneOperator):
    """Mixin for the operators that work on the target head mesh through the key maker: a subclass
    implements act()."""

    failure = "could not do it"      # the start of the error line

    @classmethod
    def poll(cls, context: Any) -> bool:
        if not super().poll(context):
            return False
        try:
            return target_object(context).type == "MESH"
        except MappingError:
            return False

    def act(self, obj: Any, python: str, in_process: bool) -> str:
        """Do the work on the head `obj`; the message to report. Raises one of KEYMAKER_ERRORS."""
        raise NotImplementedError

    def execute(self, context: Any) -> Result:
        from .. import preferences
        try:
            obj = target_object(context)
            prefs = preferences.settings(context)
            message = self.act(obj, prefs.python_path, prefs.use_in_process)
        except KEYMAKER_ERRORS as exc:
            return self.fail(context, exc)
        return self.succeed(context, message)

    def fail(self, context: Any, exc: BaseException) -> Result:
        message = f"{self.failure}: {exc}; nothing was changed"
        self.report({"ERROR"}, message)        # type: ignore[attr-defined]
        settings = settings_of(context)
        if settings is not None:
            settings.last_error = message
        return {"CANCELLED"}

    def succeed(self, context: Any, message: str) -> Result:
        self.report({"INFO"}, message)         # type: ignore[attr-defined]
        settings = settings_of(context)
        if settings is not None:
            settings.last_result = message
            settings.last_error = ""
        return {"FINISHED"}
