"""The pipeline: it owns how the stages are put together, and nothing else does.

- ``requests``: what callers ask for (SpeakRequest, AnimateRequest) and their one validation;
- ``mouth``: the mode -> mouth source registry (rules, neural text, neural audio);
- ``tail``: the shared tail, mouth -> expression and life -> FaceAnimation;
- ``text_line`` (``speak``) and ``recording`` (``animate``): the two paths;
- ``a2f_evaluation``: the A2F model scored through the same sources.

The stages (``speech``, ``face``, ``a2f``) never import this package. Importing it is light: every stage
loads on first use.
"""

from .progress import CancelCheck, Progress
from .recording import animate
from .requests import MAX_FPS, MIN_FPS, MODES, AnimateRequest, SpeakRequest, resolve_mode
from .text_line import speak

__all__ = ["MAX_FPS", "MIN_FPS", "MODES", "AnimateRequest", "CancelCheck", "Progress", "SpeakRequest",
           "animate", "resolve_mode", "speak"]
