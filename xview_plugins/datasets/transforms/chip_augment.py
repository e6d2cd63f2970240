"""The report's chip augmentations (Keras ImageDataGenerator's) and packing for
classifiers."""

from __future__ import annotations

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS
from mmengine.structures import BaseDataElement


@TRANSFORMS.register_module()
class OfflineGeometricAugment(BaseTransform):
    """Apply the view an oversampled item names: ``rot90_k`` quarter turns,
    then ``hflip``."""

    def transform(self, results: dict) -> dict:
        img = np.rot90(results['img'], results.get('rot90_k', 0))
        if results.get('hflip'):
            img = img[:, ::-1]
        results['img'] = np.ascontiguousarray(img)
        return results


@TRANSFORMS.register_module()
class RandomRot90(BaseTransform):
    """With probability ``prob``, rotate by 90, 180 or 270 degrees
    (uniformly)."""

    def __init__(self, prob: float = 0.5) -> None:
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            results['img'] = np.ascontiguousarray(
                np.rot90(results['img'], np.random.randint(1, 4))
            )
        return results


@TRANSFORMS.register_module()
class RandomIllumination(BaseTransform):
    """Scale intensities by a factor drawn from ``brightness_range`` (Keras'
    brightness)."""

    def __init__(self, brightness_range=(0.8, 1.2)) -> None:
        self.low, self.high = brightness_range

    def transform(self, results: dict) -> dict:
        factor = np.random.uniform(self.low, self.high)
        results['img'] = np.clip(
            results['img'].astype(np.float32) * factor, 0, 255
        ).astype(np.uint8)
        return results


@TRANSFORMS.register_module()
class RandomChannelShift(BaseTransform):
    """Add one intensity drawn from [-shift_range, shift_range] to every
    channel (Keras' ``channel_shift_range``), clipped to the image's own
    range."""

    def __init__(self, shift_range: float = 20.0) -> None:
        self.shift_range = shift_range

    def transform(self, results: dict) -> dict:
        img = results['img'].astype(np.float32)
        shift = np.random.uniform(-self.shift_range, self.shift_range)
        results['img'] = np.clip(img + shift, img.min(), img.max()).astype(
            np.uint8
        )
        return results


@TRANSFORMS.register_module()
class PackChipInputs(BaseTransform):
    """``inputs``: CHW uint8 tensor; ``data_samples``: ``gt_label`` and the
    image path."""

    def transform(self, results: dict) -> dict:
        img = torch.from_numpy(
            np.ascontiguousarray(results['img'].transpose(2, 0, 1))
        )
        sample = BaseDataElement(
            metainfo=dict(img_path=results.get('img_path'))
        )
        sample.gt_label = torch.tensor([int(results['gt_label'])])
        return dict(inputs=img, data_samples=sample)
