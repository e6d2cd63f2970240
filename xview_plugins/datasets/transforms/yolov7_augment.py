"""Augmentations of the official YOLOv7 recipe that mmdet has no exact match
for."""

from __future__ import annotations

import random
from typing import Optional, Sequence

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmdet.datasets.transforms import Mosaic, RandomAffine
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import autocast_box_type


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
        factors = np.random.uniform(-1, 1, 3) * self.gains + 1
        # the official's tables (int16 levels times float64 gains); one
        # three-channel table lookup instead of split, three lookups, merge
        levels = np.arange(256, dtype=np.int16)
        table = np.stack(
            [
                ((levels * factors[0]) % 180).astype(np.uint8),
                np.clip(levels * factors[1], 0, 255).astype(np.uint8),
                np.clip(levels * factors[2], 0, 255).astype(np.uint8),
            ],
            axis=-1,
        )[:, None]
        hsv = cv2.cvtColor(results['img'], cv2.COLOR_BGR2HSV)
        results['img'] = cv2.cvtColor(
            cv2.LUT(hsv, table, dst=hsv), cv2.COLOR_HSV2BGR
        )
        return results


@TRANSFORMS.register_module()
class YOLOv7Mosaic(Mosaic):
    """mmdet's ``Mosaic`` (its draws, placement, pixels and boxes: tested)
    without its copies, for :class:`YOLOv7MixDataset`, whose samples are
    built afresh for each call or held read-only in its cache: no deep copy
    of the four samples (only their boxes, which move), and an image already
    of the tile's size pasted as it is instead of resized to its own size.
    Four fifths of mmdet's time on 640-px tiles."""

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        # mmdet's Mosaic draws from numpy's generator, in this order
        if np.random.uniform(0, 1) > self.prob:
            return results
        patches = [results, *results['mix_results'][:3]]
        scale_w, scale_h = self.img_scale
        img = results['img']
        mosaic_img = np.full(
            (int(scale_h * 2), int(scale_w * 2), *img.shape[2:]),
            self.pad_val,
            dtype=img.dtype,
        )
        center = (
            int(np.random.uniform(*self.center_ratio_range) * scale_w),
            int(np.random.uniform(*self.center_ratio_range) * scale_h),
        )
        boxes = []
        corners = ('top_left', 'top_right', 'bottom_left', 'bottom_right')
        for corner, patch in zip(corners, patches):
            img = patch['img']
            h, w = img.shape[:2]
            ratio = min(scale_h / h, scale_w / w)
            size = (int(w * ratio), int(h * ratio))
            if size != (w, h):
                img = mmcv.imresize(img, size)
            paste, crop = self._mosaic_combine(corner, center, size)
            mosaic_img[paste[1] : paste[3], paste[0] : paste[2]] = img[
                crop[1] : crop[3], crop[0] : crop[2]
            ]
            moved = patch['gt_bboxes'].clone()
            moved.rescale_([ratio, ratio])
            moved.translate_([paste[0] - crop[0], paste[1] - crop[1]])
            boxes.append(moved)
        boxes = boxes[0].cat(boxes, 0)
        labels = np.concatenate([p['gt_bboxes_labels'] for p in patches])
        flags = np.concatenate([p['gt_ignore_flags'] for p in patches])
        bounds = [2 * scale_h, 2 * scale_w]
        if self.bbox_clip_border:
            boxes.clip_(bounds)
        inside = boxes.is_inside(bounds).numpy()
        results['img'] = mosaic_img
        results['img_shape'] = mosaic_img.shape[:2]
        results['gt_bboxes'] = boxes[inside]
        results['gt_bboxes_labels'] = labels[inside]
        results['gt_ignore_flags'] = flags[inside]
        return results


@TRANSFORMS.register_module()
class YOLOv7RandomAffine(RandomAffine):
    """mmdet's ``RandomAffine`` warping the image as the official
    ``random_perspective`` does when its perspective is 0 (every YOLOv7
    hyp): ``cv2.warpAffine``, a third of the time of mmdet's
    ``cv2.warpPerspective`` for the same affine matrix (which rounds one
    grey level differently at about 0.1 % of the pixels). Random draws,
    boxes and filtering are mmdet's; a matrix with a perspective part (none
    of these settings makes one) is warped by ``warpPerspective``."""

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        img = results['img']
        height = img.shape[0] + self.border[1] * 2
        width = img.shape[1] + self.border[0] * 2
        warp_matrix = self._get_random_homography_matrix(height, width)
        affine = np.array_equal(warp_matrix[2], [0, 0, 1])
        warp = cv2.warpAffine if affine else cv2.warpPerspective
        results['img'] = warp(
            img,
            warp_matrix[:2] if affine else warp_matrix,
            dsize=(width, height),
            borderValue=self.border_val,
        )
        results['img_shape'] = results['img'].shape[:2]
        bboxes = results['gt_bboxes']
        if len(bboxes):
            bboxes.project_(warp_matrix)
            if self.bbox_clip_border:
                bboxes.clip_([height, width])
            inside = bboxes.is_inside([height, width]).numpy()
            results['gt_bboxes'] = bboxes[inside]
            for key in ('gt_bboxes_labels', 'gt_ignore_flags'):
                results[key] = results[key][inside]
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
        # the official's float64 blend, truncated, computed in place (the
        # same operations in the same order: the same pixels, fewer
        # temporaries)
        blend = np.multiply(results['img'], ratio)
        blend += np.multiply(other['img'], 1 - ratio)
        results['img'] = blend.astype(np.uint8)
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
