import numpy as np
import pytest

from xview_data.geometry import chip_scenes, clip_to_window, window_starts
from xview_data.structures import AnnotationTable, ImageRecord


def test_windows_cover_the_scene_and_end_at_the_edge():
    assert window_starts(1000, 512, 448) == [0, 448, 488]
    assert window_starts(512, 512, 448) == [0]
    assert window_starts(300, 512, 448) == [0]
    with pytest.raises(ValueError):
        window_starts(100, 0, 10)


def test_clip_keeps_objects_by_visible_fraction():
    boxes = np.array(
        [
            [90.0, 0, 110, 10],  # half inside
            [95.0, 0, 115, 10],  # a quarter inside
            [10.0, 10, 20, 20],  # fully inside
            [200.0, 0, 210, 10],
        ]
    )  # outside
    keep, clipped = clip_to_window(boxes, (0, 0, 100, 100), min_visible=0.5)
    assert keep.tolist() == [0, 2]
    # clipping is min/max of the inputs: exact
    np.testing.assert_allclose(clipped, [[90, 0, 100, 10], [10, 10, 20, 20]])


def test_chip_scenes_shifts_boxes_and_counts_lost_objects():
    table = AnnotationTable(
        [ImageRecord('s.tif', 200, 100)],
        [0, 0, 0],
        [[10, 10, 30, 20], [95, 40, 125, 50], [98, 80, 102, 90]],
        [18, 19, 23],
        [1, 2, 3],
    )
    chips = chip_scenes(table, tile_size=100, tile_overlap=0, min_visible=0.6)
    names = [c.file_name for c in chips.images]
    assert names == ['s_0_0.tif', 's_100_0.tif']
    assert [c.scene for c in chips.images] == ['s.tif', 's.tif']
    assert [c.origin for c in chips.images] == [(0, 0), (100, 0)]
    per_chip = {
        names[i]: chips.boxes[chips.image_index == i].tolist()
        for i in range(2)
    }
    assert per_chip == {
        's_0_0.tif': [[10, 10, 30, 20]],
        's_100_0.tif': [[0, 40, 25, 50]],
    }
    assert chips.skipped['below --min-visible in every chip'] == 1


def test_background_windows_hold_at_most_the_allowed_part_of_any_object():
    from xview_data.geometry import sample_background_windows

    rng = np.random.default_rng(3)
    boxes = np.array(
        [[100, 100, 300, 300], [400, 50, 420, 70], [0, 450, 512, 512]], float
    )
    windows = sample_background_windows(
        boxes, 512, 512, 40, np.array([32, 64, 128]), 0.1, rng
    )
    assert len(windows) == 40
    left, top, side = windows.T
    assert (left >= 0).all() and (top >= 0).all()
    assert (left + side <= 512).all() and (top + side <= 512).all()
    for x, y, s in windows:
        inter_w = (
            np.minimum(x + s, boxes[:, 2]) - np.maximum(x, boxes[:, 0])
        ).clip(0)
        inter_h = (
            np.minimum(y + s, boxes[:, 3]) - np.maximum(y, boxes[:, 1])
        ).clip(0)
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        assert (inter_w * inter_h / area <= 0.1).all()
    # every window would hold most of the object that fills the scene: no
    # background
    assert (
        len(
            sample_background_windows(
                np.array([[0, 0, 128, 128.0]]),
                128,
                128,
                5,
                np.array([100]),
                0.1,
                rng,
            )
        )
        == 0
    )
