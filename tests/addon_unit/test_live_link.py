"""Live Link Face CSV from the scene (pure): start timecode, frame rate, columns."""

import numpy as np
import pytest

from unitaf_blender.core.channels import ARKIT_CHANNELS
from unitaf_blender.core.live_link import TimecodeError, csv_text, parse_timecode, timecode


def test_timecodes_count_on_from_the_start_at_the_files_rate():
    start = parse_timecode("10:59:59:58", 60)
    assert start == pytest.approx(10 * 3600 + 59 * 60 + 59 + 58 / 60)
    assert [timecode(start + i / 60, 60) for i in range(3)] == ["10:59:59:58.000", "10:59:59:59.000",
                                                                "11:00:00:00.000"]
    assert timecode(0.5 / 60, 60) == "00:00:00:00.500"                  # a sub-frame, in thousandths
    assert timecode(parse_timecode("23:59:59:59", 60) + 1 / 60, 60) == "00:00:00:00.000"   # time of day


@pytest.mark.parametrize("text", ["1:2:3", "00:61:00:00", "00:00:00:60", "noon", "24:00:00:00"])
def test_bad_timecodes_are_one_clear_error(text):
    with pytest.raises(TimecodeError, match="timecode"):
        parse_timecode(text, 60)


def test_csv_columns_and_values():
    w = np.zeros((3, 52), np.float32)
    w[1, ARKIT_CHANNELS.index("jawOpen")] = 0.5
    w[2, ARKIT_CHANNELS.index("eyeLookOutLeft")] = 1.0
    head = np.array([[0.0, 0.0, 0.0], [0.1, -0.2, 0.05], [0.0, 0.0, 0.0]])
    lines = csv_text(w, head, 30, parse_timecode("01:00:00:00", 30)).splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["Timecode", "BlendShapeCount", "EyeBlinkLeft"] and len(header) == 2 + 61
    assert header[-9:-6] == ["HeadYaw", "HeadPitch", "HeadRoll"]
    row1, row2 = lines[2].split(","), lines[3].split(",")
    assert row1[0] == "01:00:00:01.000" and row1[1] == "61"
    assert float(row1[2 + ARKIT_CHANNELS.index("jawOpen")]) == 0.5
    assert [float(v) for v in row1[-9:-6]] == [0.1, -0.2, 0.05]
    assert float(row2[-6]) == pytest.approx(0.5)                         # left eye yaw from eyeLookOut
    with pytest.raises(ValueError):
        csv_text(np.zeros((2, 10)), None, 60)
