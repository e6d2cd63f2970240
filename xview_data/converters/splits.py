"""Train/val splits grouped by source scene: no scene on both sides."""
from __future__ import annotations

import math

import numpy as np

from ..structures import AnnotationTable


def split_by_scene(table: AnnotationTable, val_fraction: float,
                   seed: int = 0) -> dict[str, AnnotationTable]:
    """``{'train': ..., 'val': ...}`` with ``val_fraction`` of the scenes (at least one when
    the fraction is positive and there are two scenes or more) in ``val``."""
    if not 0 <= val_fraction < 1:
        raise ValueError(f'--val-fraction must be in [0, 1) (got {val_fraction})')
    if val_fraction == 0:
        return {'train': table}
    scenes = sorted({record.scene_name for record in table.images})
    n_val = min(max(1, math.ceil(val_fraction * len(scenes))), len(scenes) - 1)
    rng = np.random.default_rng(seed)
    val_scenes = {scenes[i] for i in rng.permutation(len(scenes))[:n_val]}
    in_val = np.array([r.scene_name in val_scenes for r in table.images], bool)
    return {'train': table.subset_images(np.flatnonzero(~in_val)),
            'val': table.subset_images(np.flatnonzero(in_val))}
