"""Test-time wrapper: run any detector over whole scenes by tiles, in
batches."""

from __future__ import annotations

import logging
import re
from typing import Optional

import torch
import torch.nn.functional as F
from mmdet.models.detectors.base import BaseDetector
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.logging import print_log
from mmengine.structures import InstanceData
from torch import Tensor

from xview_data.geometry import window_starts

from ...utils.checkpoint import revise_state_dict_keys
from ..utils.box_fusion import weighted_box_fusion
from ..utils.post_processing import classwise_nms, nms_test_cfg, rescale_boxes


@MODELS.register_module()
class SlicedInference(BaseDetector):
    """Wrap ``detector`` so that it sees whole scenes (e.g. 3000 x 3000 px):
    the scene is cut into ``tile_size`` tiles overlapping by ``overlap`` (the
    last tile of a row or column ends at the edge), the tiles go through the
    detector ``batch_size`` at a time, boxes are shifted back to scene pixels
    and merged across tiles by class-wise NMS (``merge='nms'``) or weighted box
    fusion (``'wbf'``). ``full_scene=True`` adds a pass over the scene
    downscaled to one tile, for objects larger than a tile. Every merged
    detection above ``score_thr`` is kept unless ``max_per_img`` caps them,
    and then the number dropped is logged.

    The scene reaches this wrapper unnormalized (its data preprocessor only
    stacks the pixels); each batch of tiles goes through the wrapped detector's
    own preprocessor. Checkpoints of the wrapped detector load as they are.
    """

    def __init__(
        self,
        detector: dict,
        tile_size: int = 640,
        overlap: int = 64,
        batch_size: int = 8,
        merge: str = 'nms',
        iou_threshold: float = 0.5,
        score_thr: float = 0.001,
        max_per_img: Optional[int] = None,
        full_scene: bool = False,
        pad_value: Optional[float] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg=None,
    ) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor
            or dict(type='mmdet.DetDataPreprocessor', pad_size_divisor=1),
            init_cfg=init_cfg,
        )
        if merge not in ('nms', 'wbf'):
            raise ValueError(f"merge must be 'nms' or 'wbf', not {merge!r}")
        if not 0 <= overlap < tile_size:
            raise ValueError(
                f'overlap must be in [0, tile_size), got {overlap}'
            )
        self.detector = MODELS.build(detector)
        self.tile_size = tile_size
        self.overlap = overlap
        self.batch_size = batch_size
        self.merge = merge
        self.test_cfg = nms_test_cfg(score_thr, iou_threshold, max_per_img)
        self.full_scene = full_scene
        # by default tiles past the scene's edge are padded as the wrapped
        # detector's preprocessor pads its batches
        self.pad_value = float(
            getattr(self.detector.data_preprocessor, 'pad_value', 0)
            if pad_value is None
            else pad_value
        )
        self.register_load_state_dict_pre_hook(self._accept_plain_keys)

    @staticmethod
    def _accept_plain_keys(module, state_dict, prefix, *args) -> None:
        """A checkpoint of the wrapped detector has no ``detector.`` in its
        keys."""
        revised = revise_state_dict_keys(
            state_dict,
            [(f'^{re.escape(prefix)}(?!detector\\.)', f'{prefix}detector.')],
        )
        state_dict.clear()
        state_dict.update(revised)

    @property
    def dataset_meta(self):
        return getattr(self.detector, 'dataset_meta', None)

    @dataset_meta.setter
    def dataset_meta(self, value) -> None:
        self.detector.dataset_meta = value

    def loss(self, batch_inputs: Tensor, batch_data_samples) -> dict:
        raise NotImplementedError(
            'SlicedInference is a test-time wrapper: train the wrapped '
            'detector on tiles with its own config'
        )

    def _forward(self, batch_inputs: Tensor, batch_data_samples=None):
        raise NotImplementedError(
            'SlicedInference has no tensor mode; use predict'
        )

    def extract_feat(self, batch_inputs: Tensor):
        raise NotImplementedError('SlicedInference has no features of its own')

    def tiles(self, height: int, width: int) -> list[tuple[int, int]]:
        stride = self.tile_size - self.overlap
        return [
            (x, y)
            for y in window_starts(height, self.tile_size, stride)
            for x in window_starts(width, self.tile_size, stride)
        ]

    def _run(self, images: list[Tensor]) -> list[InstanceData]:
        """The wrapped detector on same-size unnormalized (C, H, W) images."""
        samples = []
        for image in images:
            shape = tuple(image.shape[-2:])
            samples.append(
                DetDataSample(
                    metainfo=dict(
                        img_shape=shape,
                        ori_shape=shape,
                        scale_factor=(1.0, 1.0),
                        pad_shape=shape,
                    )
                )
            )
        data = self.detector.data_preprocessor(
            dict(inputs=list(images), data_samples=samples), False
        )
        results = self.detector.predict(
            data['inputs'], data['data_samples'], rescale=True
        )
        return [r.pred_instances for r in results]

    def predict_scene(
        self, scene: Tensor, batch_size: Optional[int] = None
    ) -> InstanceData:
        """Detections of one unnormalized (C, H, W) scene in scene pixels."""
        batch_size = batch_size or self.batch_size
        channels, height, width = scene.shape
        size = self.tile_size
        corners = self.tiles(height, width)
        boxes, scores, labels = [], [], []

        def collect(
            found: InstanceData, offset=(0, 0), scale: float = 1.0
        ) -> None:
            keep = found.scores >= self.test_cfg.score_thr
            found_boxes = found.bboxes[keep] / scale + found.bboxes.new_tensor(
                offset
            ).repeat(2)
            # boxes reaching into the padding of a scene smaller than a tile
            found_boxes[:, 0::2] = found_boxes[:, 0::2].clamp(0, width)
            found_boxes[:, 1::2] = found_boxes[:, 1::2].clamp(0, height)
            boxes.append(found_boxes)
            scores.append(found.scores[keep])
            labels.append(found.labels[keep])

        for start in range(0, len(corners), batch_size):
            batch = corners[start : start + batch_size]
            crops = [scene[:, y : y + size, x : x + size] for x, y in batch]
            crops = [
                F.pad(
                    c,
                    (0, size - c.shape[-1], 0, size - c.shape[-2]),
                    value=self.pad_value,
                )
                for c in crops
            ]
            for corner, found in zip(batch, self._run(crops)):
                collect(found, offset=corner)
        if self.full_scene:
            scale = size / max(height, width)
            small = F.interpolate(
                scene[None].float(),
                scale_factor=scale,
                mode='bilinear',
                align_corners=False,
                recompute_scale_factor=False,
            )[0]
            small = F.pad(
                small,
                (0, size - small.shape[-1], 0, size - small.shape[-2]),
                value=self.pad_value,
            )
            collect(self._run([small])[0], scale=scale)
        return self._merge(
            torch.cat(boxes), torch.cat(scores), torch.cat(labels)
        )

    def _merge(
        self, boxes: Tensor, scores: Tensor, labels: Tensor
    ) -> InstanceData:
        found = InstanceData(bboxes=boxes, scores=scores, labels=labels)
        if self.merge == 'nms':
            merged = classwise_nms(found, self.test_cfg.nms)
        elif len(found):
            merged = InstanceData(
                **dict(
                    zip(
                        ('bboxes', 'scores', 'labels'),
                        weighted_box_fusion(
                            boxes,
                            scores,
                            labels,
                            self.test_cfg.nms.iou_threshold,
                        ),
                    )
                )
            )
        else:
            merged = found
        cap = self.test_cfg.max_per_img
        if cap is not None and len(merged) > cap:
            # a scene holds thousands of objects: a cap never acts unseen
            print_log(
                f'SlicedInference: kept the {cap} strongest of {len(merged)}'
                f' merged detections (max_per_img={cap}),'
                f' {len(merged) - cap} dropped',
                logger='current',
                level=logging.WARNING,
            )
        return classwise_nms(merged, None, cap)

    def predict(
        self, batch_inputs: Tensor, batch_data_samples, rescale: bool = True
    ):
        results = []
        for scene, sample in zip(batch_inputs, batch_data_samples):
            height, width = sample.img_shape
            found = self.predict_scene(scene[:, :height, :width])
            results.append(
                rescale_boxes(
                    found, sample.get('scale_factor') if rescale else None
                )
            )
        return self.add_pred_to_datasample(batch_data_samples, results)
