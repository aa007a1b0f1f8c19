"""What a re-run does with each row (pure): unchanged rows skipped, changed ones retaken, the rest new."""

from unitaf_blender.core.dialogue import parse_csv
from unitaf_blender.core.resume import ExistingRow, RowAction, plan_rows

CSV = "id,object,text,emotion\nintro,A,Hello,happy\n,B,How are you,\n,A,Fine thanks,\n"


def existing_from(dialogue):
    return [ExistingRow(row_id=ln.row_id, digest=ln.digest, row=ln.row, object=ln.object, line_id=f"L{ln.row}",
                        start=ln.row * 100, end=ln.row * 100 + 30) for ln in dialogue.lines]


def test_nothing_in_the_scene_means_every_row_is_new():
    d = parse_csv(CSV, "/tmp")
    assert [p.action for p in plan_rows(d.lines, [])] == [RowAction.NEW] * 3


def test_the_same_dialogue_again_changes_nothing():
    d = parse_csv(CSV, "/tmp")
    assert [p.action for p in plan_rows(d.lines, existing_from(d))] == [RowAction.SKIP] * 3


def test_an_edited_row_is_a_retake_of_its_own_line_only():
    before = parse_csv(CSV, "/tmp")
    edited = parse_csv(CSV.replace("Fine thanks", "Great thanks").replace("happy", "sad"), "/tmp")
    plans = plan_rows(edited.lines, existing_from(before))
    assert [p.action for p in plans] == [RowAction.RETAKE, RowAction.SKIP, RowAction.RETAKE]
    assert [p.existing.line_id for p in plans] == ["L1", "L2", "L3"]   # an id, a hash at the same place


def test_a_row_half_written_before_is_new_and_landed_rows_skip():
    d = parse_csv(CSV, "/tmp")
    plans = plan_rows(d.lines, existing_from(d)[:2])
    assert [p.action for p in plans] == [RowAction.SKIP, RowAction.SKIP, RowAction.NEW]
