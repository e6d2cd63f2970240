"""Augmentations of the official YOLOv7 recipe that mmdet has no exact match
for."""

from __future__ import annotations

import random
from typing import Optional, Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class YOLOv7HSVRandomAug(BaseTransform):
    """Random hue, saturation and value gains as the official ``augment_hsv``:
    each channel is multiplied by ``1 + uniform(-1, 1) * gain`` (hue wraps at
    180).
    """

    def __init__(
        self,
        hue_gain: float = 0.015,
        saturation_gain: float = 0.7,
        value_gain: float = 0.4,
    ) -> None:
        self.gains = np.array([hue_gain, saturation_gain, value_gain])

    def transform(self, results: dict) -> dict:
        img = results['img']
        factors = np.random.uniform(-1, 1, 3) * self.gains + 1
        hue, sat, val = cv2.split(cv2.cvtColor(img, cv2.COLOR_BGR2HSV))
        levels = np.arange(256, dtype=np.float32)
        lut_hue = ((levels * factors[0]) % 180).astype(np.uint8)
        lut_sat = np.clip(levels * factors[1], 0, 255).astype(np.uint8)
        lut_val = np.clip(levels * factors[2], 0, 255).astype(np.uint8)
        hsv = cv2.merge(
            (
                cv2.LUT(hue, lut_hue),
                cv2.LUT(sat, lut_sat),
                cv2.LUT(val, lut_val),
            )
        )
        results['img'] = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
        return results


@TRANSFORMS.register_module()
class YOLOv7MixUp(BaseTransform):
    """The official mixup: blend the sample with a second, independently built
    sample (``pre_transform``, e.g. Mosaic + RandomAffine) with ``r ~ Beta(8,
    8)`` and keep the boxes of both. Used inside ``MultiImageMixDataset``;
    ``num_images`` is how many raw images ``pre_transform`` consumes (4 for a
    mosaic)."""

    def __init__(
        self,
        prob: float = 0.15,
        alpha: float = 8.0,
        beta: float = 8.0,
        pre_transform: Optional[Sequence[dict]] = None,
        num_images: int = 4,
    ) -> None:
        self.prob = prob
        self.alpha = alpha
        self.beta = beta
        self.pre_transform = Compose(pre_transform) if pre_transform else None
        self.num_images = num_images if pre_transform else 1

    def get_indexes(self, dataset) -> list[int]:
        return [
            random.randint(0, len(dataset) - 1) for _ in range(self.num_images)
        ]

    def transform(self, results: dict) -> dict:
        mixes = results.pop('mix_results', None)
        if not mixes or random.random() >= self.prob:
            return results
        # the mixed samples are built afresh for this call (by the dataset
        # wrapper): used as they are, not copied
        other = mixes[0]
        if self.pre_transform is not None:
            other['mix_results'] = mixes[1:]
            other = self.pre_transform(other)
        if other['img'].shape != results['img'].shape:
            return results
        ratio = np.random.beta(self.alpha, self.beta)
        results['img'] = (
            results['img'] * ratio + other['img'] * (1 - ratio)
        ).astype(np.uint8)
        results['gt_bboxes'] = results['gt_bboxes'].cat(
            [results['gt_bboxes'], other['gt_bboxes']]
        )
        results['gt_bboxes_labels'] = np.concatenate(
            [results['gt_bboxes_labels'], other['gt_bboxes_labels']]
        )
        results['gt_ignore_flags'] = np.concatenate(
            [results['gt_ignore_flags'], other['gt_ignore_flags']]
        )
        return results
