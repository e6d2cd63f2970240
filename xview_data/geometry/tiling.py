"""Tiling geometry: window offsets covering an axis, boxes clipped to a
window."""

from __future__ import annotations

import numpy as np
import shapely


def window_starts(length: int, size: int, stride: int) -> list[int]:
    """Window offsets covering ``[0, length)``; the last window is flush with
    the edge."""
    if size <= 0 or stride <= 0:
        raise ValueError(
            f'window size and stride must be positive (got {size}, {stride})'
        )
    if length <= size:
        return [0]
    starts = list(range(0, length - size + 1, stride))
    if starts[-1] + size < length:
        starts.append(length - size)
    return starts


def clip_to_window(
    boxes: np.ndarray,
    window: tuple[float, float, float, float],
    min_visible: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Intersect boxes with a window (shapely). Returns the positions of the
    boxes whose visible fraction is at least ``min_visible`` (and above zero)
    and their clipped boxes.
    """
    if not len(boxes):
        return np.zeros(0, np.int64), np.zeros((0, 4))
    geoms = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
    visible = shapely.intersection(geoms, shapely.box(*window))
    fraction = shapely.area(visible) / np.maximum(shapely.area(geoms), 1e-12)
    keep = np.flatnonzero((fraction >= min_visible) & (fraction > 0))
    return keep, shapely.bounds(visible[keep]).reshape(-1, 4)
