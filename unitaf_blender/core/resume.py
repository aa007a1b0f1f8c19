"""What a batch run does with each dialogue row, given what earlier runs left in the scene. Pure logic.

A row's line in the scene carries the row's id and digest. A row whose id is there with the same digest
is skipped (it already plays); with another digest it is retaken (its line is replaced). A row without an
id that changed what it says has a new hash id: the line still tagged with the old id at the same row
number on the same object, and claimed by no row of this file, is the one it retakes. Anything else is new.

The run's settings that shape a row's line (mode, frame rate, seed, markers, head motion and its bone) are
recorded beside the digest: a row whose settings differ from the run's is retaken too, and its plan says
which changed. (Idle fill does not change a line's keys; the run renews it instead.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum

from .dialogue import DialogueLine


class RowAction(Enum):
    NEW = "new"
    SKIP = "unchanged"
    RETAKE = "retake"


@dataclass(frozen=True)
class ExistingRow:
    """A line an earlier batch run wrote for a dialogue row."""
    row_id: str
    digest: str
    row: int
    object: str
    line_id: str
    start: int
    end: int                        # exclusive
    settings: str = ""              # the run's settings when it was written (`encode_settings`); "" = unknown


@dataclass(frozen=True)
class RowPlan:
    line: DialogueLine
    action: RowAction
    existing: ExistingRow | None = None
    reason: str = ""                # why a retake: "the row changed" or the settings that did


@dataclass(frozen=True)
class RowSettings:
    """The batch options that shape every row's line."""
    mode: str = "auto"
    fps: float = 24.0
    seed: int = 0
    markers: str = "none"
    head_motion: bool = False
    head_bone: str = ""             # matters only with head motion on

    def as_dict(self) -> dict[str, str]:
        out = {"mode": self.mode, "fps": f"{self.fps:.6g}", "seed": str(self.seed), "markers": self.markers,
               "head-motion": "on" if self.head_motion else "off"}
        if self.head_motion:
            out["head-bone"] = self.head_bone or "(automatic)"
        return out


def encode_settings(settings: RowSettings) -> str:
    return json.dumps(settings.as_dict(), sort_keys=True)


def changed_settings(recorded: str, settings: RowSettings) -> list[str]:
    """What differs between the settings a line was written with and this run's, as "--name old -> new"
    (nothing when the line records none: written by a version that did not keep them)."""
    try:
        old = json.loads(recorded) if recorded else None
    except ValueError:
        old = None
    if not isinstance(old, dict):
        return []
    new = settings.as_dict()
    return [f"--{k} {old.get(k, '-')} -> {new.get(k, '-')}" for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k)]


def plan_rows(lines: list[DialogueLine], existing: list[ExistingRow],
              settings: RowSettings | None = None) -> list[RowPlan]:
    by_id = {e.row_id: e for e in existing}
    claimed = {ln.row_id for ln in lines}
    stale = {(e.row, e.object): e for e in existing if e.row_id not in claimed}
    plans = []
    for ln in lines:
        found = by_id.get(ln.row_id)
        if found is not None:       # the digest covers the object: a row given to another one is a retake
            if found.digest != ln.digest:
                plans.append(RowPlan(ln, RowAction.RETAKE, found, "the row changed"))
                continue
            changed = changed_settings(found.settings, settings) if settings is not None else []
            plans.append(RowPlan(ln, RowAction.RETAKE, found, "changed " + ", ".join(changed)) if changed
                         else RowPlan(ln, RowAction.SKIP, found))
            continue
        old = stale.pop((ln.row, ln.object), None)
        plans.append(RowPlan(ln, RowAction.RETAKE, old, "the row changed") if old is not None
                     else RowPlan(ln, RowAction.NEW))
    return plans
