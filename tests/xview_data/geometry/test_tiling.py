"""The tile grid: every pixel covered, the last window flush with the edge,
no step longer than the stride."""

import numpy as np
import pytest

from xview_data.geometry import window_starts


@pytest.mark.parametrize(
    'length, size, stride',
    [
        (65, 64, 64),  # one pixel past a window: a second, flush one
        (64, 64, 48),
        (30, 64, 48),  # shorter than a window: one, padded past the edge
        (1000, 320, 288),
        (1001, 320, 288),
        (961, 320, 320),
        (1, 1, 1),
        (66, 64, 3),  # no start past length - size, even on the stride
    ],
)
def test_windows_cover_every_pixel_and_end_at_the_edge(length, size, stride):
    starts = window_starts(length, size, stride)
    covered = np.zeros(length, bool)
    for start in starts:
        covered[start : start + size] = True
    assert covered.all()
    assert starts[0] == 0 and starts[-1] == max(0, length - size)
    assert all(0 < b - a <= stride for a, b in zip(starts, starts[1:]))


@pytest.mark.parametrize('size, stride', [(0, 10), (10, 0), (-1, 5)])
def test_nonpositive_sizes_are_refused(size, stride):
    with pytest.raises(ValueError, match='must be positive'):
        window_starts(100, size, stride)


def test_a_box_outside_the_window_is_never_kept():
    from xview_data.geometry import clip_to_window

    boxes = np.array([[0.0, 0.0, 10, 10], [50, 50, 60, 60], [8, 8, 12, 12]])
    keep, clipped = clip_to_window(boxes, (0, 0, 10, 10), min_visible=0.0)
    assert keep.tolist() == [0, 2]
    assert clipped.tolist() == [[0, 0, 10, 10], [8, 8, 10, 10]]


def test_a_sub_pixel_box_inside_the_window_is_wholly_visible():
    """The visible fraction divides by the box's own area, however small."""
    from xview_data.geometry import clip_to_window

    boxes = np.array([[2.0, 2.0, 2.5, 2.5], [9.8, 3.0, 10.2, 3.4]])
    keep, _ = clip_to_window(boxes, (0, 0, 10, 10), min_visible=0.6)
    assert keep.tolist() == [0]  # the second is half outside
