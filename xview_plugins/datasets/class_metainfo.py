"""What a dataset of the project publishes about its classes, for the
runner to store in checkpoints and hand to metrics and visualizers."""

from __future__ import annotations

import colorsys
from typing import Optional

from xview_data.structures import ClassMap

SPLITS = (None, 'train', 'val')


def class_palette(n: int) -> list[tuple[int, int, int]]:
    """``n`` well-separated RGB colours (golden-ratio hues)."""
    return [
        tuple(
            int(255 * c)
            for c in colorsys.hsv_to_rgb((k * 0.618) % 1, 0.85, 0.95)
        )
        for k in range(n)
    ]


def class_metainfo(
    class_map: ClassMap, overrides: Optional[dict] = None
) -> dict:
    """``classes``, ``palette`` and ``xview_type_ids`` of ``class_map`` (the
    one source of class names and type ids downstream), updated by a config's
    ``metainfo``."""
    metainfo = dict(
        classes=tuple(class_map.names),
        palette=class_palette(len(class_map)),
        xview_type_ids=tuple(class_map.type_ids),
    )
    metainfo.update(overrides or {})
    return metainfo


def check_split(split: Optional[str]) -> None:
    if split not in SPLITS:
        raise ValueError(
            f"split must be None, 'train' or 'val', not {split!r}"
        )
