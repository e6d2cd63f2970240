from __future__ import annotations

from mmdet.datasets import MultiImageMixDataset
from mmdet.registry import DATASETS


@DATASETS.register_module()
class ClassAwareMixDataset(MultiImageMixDataset):
    """``MultiImageMixDataset`` that exposes the wrapped dataset's classes per
    sample, so that mmdet's ``ClassAwareSampler`` (class-balanced sampling) can
    drive a mosaic pipeline."""

    def get_cat_ids(self, idx: int) -> list[int]:
        return self.dataset.get_cat_ids(idx)
