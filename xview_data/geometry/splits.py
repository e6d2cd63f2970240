"""Train/val splits grouped by source scene: no scene on both sides."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..structures import AnnotationTable


def val_scene_names(
    table: AnnotationTable, val_fraction: float, seed: int = 0
) -> set[str]:
    """The source scenes held out as ``val``: ``val_fraction`` of them (at
    least one when the fraction is positive and there are two scenes or
    more)."""
    if not 0 <= val_fraction < 1:
        raise ValueError(
            f'--val-fraction must be in [0, 1) (got {val_fraction})'
        )
    if val_fraction == 0:
        return set()
    scenes = sorted({record.scene_name for record in table.images})
    n_val = min(max(1, math.ceil(val_fraction * len(scenes))), len(scenes) - 1)
    rng = np.random.default_rng(seed)
    return {scenes[i] for i in rng.permutation(len(scenes))[:n_val]}


def split_by_scene(
    table: AnnotationTable,
    val_fraction: float,
    seed: int = 0,
    val_scenes: Optional[set[str]] = None,
) -> dict[str, AnnotationTable]:
    """``{'train': ..., 'val': ...}`` by source scene (see
    :func:`val_scene_names`), or by the given ``val_scenes`` (so that chips and
    their scenes split alike); only ``train`` without a val fraction."""
    if val_scenes is None:
        val_scenes = val_scene_names(table, val_fraction, seed)
    if val_fraction == 0:
        return {'train': table}
    in_val = np.array([r.scene_name in val_scenes for r in table.images], bool)
    return {
        'train': table.subset_images(np.flatnonzero(~in_val)),
        'val': table.subset_images(np.flatnonzero(in_val)),
    }


def stratified_split(
    labels: np.ndarray,
    num_classes: int,
    split: Optional[str],
    val_fraction: float,
    seed: int = 0,
    max_per_class: Optional[int] = None,
) -> list[tuple[int, int]]:
    """``(position, label)`` of the items of ``split`` (``'train'``,
    ``'val'``, or None for all): per class, the items in a seeded random order
    cut to ``max_per_class``, the first ``round(val_fraction * n)`` of them
    held out as ``val``; positions ascending within a class. The recognition
    chips carry no scene, so the split is by chip, stratified by class."""
    if split not in (None, 'train', 'val'):
        raise ValueError(
            f"split must be None, 'train' or 'val', not {split!r}"
        )
    rng = np.random.default_rng(seed)
    chosen = []
    for label in range(num_classes):
        members = rng.permutation(np.flatnonzero(labels == label))
        if max_per_class:
            members = members[:max_per_class]
        n_val = int(round(len(members) * val_fraction)) if split else 0
        part = members[:n_val] if split == 'val' else members[n_val:]
        chosen.extend((int(i), int(label)) for i in sorted(part))
    return chosen
