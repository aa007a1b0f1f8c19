"""What a batch run does with each dialogue row, given what earlier runs left in the scene. Pure logic.

A row's line in the scene carries the row's id and digest. A row whose id is there with the same digest
is skipped (it already plays); with another digest it is retaken (its line is replaced). A row without an
id that changed what it says has a new hash id: the line still tagged with the old id at the same row
number on the same object, and claimed by no row of this file, is the one it retakes. Anything else is new.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class RowPlan:
    line: DialogueLine
    action: RowAction
    existing: ExistingRow | None = None


def plan_rows(lines: list[DialogueLine], existing: list[ExistingRow]) -> list[RowPlan]:
    by_id = {e.row_id: e for e in existing}
    claimed = {ln.row_id for ln in lines}
    stale = {(e.row, e.object): e for e in existing if e.row_id not in claimed}
    plans = []
    for ln in lines:
        found = by_id.get(ln.row_id)
        if found is not None:       # the digest covers the object: a row given to another one is a retake
            action = RowAction.SKIP if found.digest == ln.digest else RowAction.RETAKE
            plans.append(RowPlan(ln, action, found))
            continue
        old = stale.pop((ln.row, ln.object), None)
        plans.append(RowPlan(ln, RowAction.RETAKE, old) if old is not None else RowPlan(ln, RowAction.NEW))
    return plans
