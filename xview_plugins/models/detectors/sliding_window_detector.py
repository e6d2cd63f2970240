"""A detector made of a trained chip classifier scanned over the image."""

from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmdet.models.detectors.base import BaseDetector
from mmdet.registry import MODELS
from mmengine.structures import InstanceData
from torch import Tensor

from ...utils.checkpoint import check_state_dict_fits, revise_state_dict_keys
from ..classifiers.convolutional_window_scorer import (
    ConvolutionalWindowScorer,
    convolutional_layout,
    grid_padding,
    resize_scene,
    resize_windows,
)
from ..utils.post_processing import detector_test_cfg, post_process


@MODELS.register_module()
class SlidingWindowDetector(BaseDetector):
    """Scan an image with square windows of several sizes, resize each window
    to the classifier's input, classify it, and keep the windows that hold an
    object.

    The classifier's ``backbone`` and ``head`` become this detector's, under
    the same names, so a classification checkpoint loads into it as it is:
    give it to ``tools/test.py CONFIG CKPT`` / ``tools/infer.py``, or as
    ``init_cfg=dict(type='Pretrained', checkpoint=CKPT)`` for
    ``init_weights()`` (mmengine's loading; a checkpoint that does not fit is
    refused).

    Args:
        classifier: a ``ChipClassifier`` model config (a config that inherits
            the classification config can pass ``{{_base_.model}}``).
        windows: ``(size, stride)`` pairs in image pixels, one scale each.
        background_class: index of the classifier's background class; a window
            whose best class it is is rejected. None: rely on ``score_thr``
            alone.
        test_cfg: mmdet's ``test_cfg``: ``score_thr`` (least object-class
            probability of a kept window, default 0.5), ``nms`` (the
            class-wise NMS that merges windows across scales, default
            ``dict(type='nms', iou_threshold=0.3)``), ``max_per_img`` (boxes
            kept per image after NMS, default 300). ``score_thr``,
            ``nms_iou`` and ``max_per_img`` given as keywords are their old,
            deprecated names.
        box_fraction: side of the box relative to its window. Recognition chips
            hold the object in the middle ``1 / context`` of the chip (context
            1.5 by default), so a window that scores high holds an object of
            about that size around its centre.
        fully_convolutional: score every window of a scale in one pass of the
            classifier rewritten as convolutions (needs ``padding='valid'``
            convolutions and strides that fall on the network's grid); False
            runs the crop-resize-classify loop.
        batch_size: windows per classifier call in the loop.
    """

    def __init__(
        self,
        classifier: dict,
        windows: Sequence[Sequence[int]] = ((64, 16),),
        background_class: Optional[int] = None,
        box_fraction: float = 1 / 1.5,
        fully_convolutional: bool = True,
        batch_size: int = 64,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg=None,
        score_thr: Optional[float] = None,
        nms_iou: Optional[float] = None,
        max_per_img: Optional[int] = None,
    ) -> None:
        chip_classifier = MODELS.build(classifier)
        if data_preprocessor is None:
            # Normalize scenes exactly as the classifier's chips were
            # normalized.
            pre = chip_classifier.data_preprocessor
            data_preprocessor = dict(
                type='mmdet.DetDataPreprocessor',
                mean=pre.mean.flatten().tolist(),
                std=pre.std.flatten().tolist(),
                bgr_to_rgb=pre._channel_conversion,
            )
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg
        )
        self.backbone = chip_classifier.backbone
        self.head = chip_classifier.head
        self.num_classes = chip_classifier.num_classes
        self.input_size = int(self.backbone.input_size[0])
        self.windows = [(int(size), int(stride)) for size, stride in windows]
        self.background_class = background_class
        self.box_fraction = box_fraction
        self.test_cfg = detector_test_cfg(
            type(self).__name__,
            test_cfg,
            dict(
                score_thr=0.5,
                nms=dict(type='nms', iou_threshold=0.3),
                max_per_img=300,
            ),
            score_thr=score_thr,
            nms_iou=nms_iou,
            max_per_img=max_per_img,
        )
        self.fully_convolutional = fully_convolutional
        self.batch_size = batch_size
        # convolutional scorers (copies of the dense weights) by grid stride
        # and device; loading weights (a checkpoint, Pretrained init) drops
        # them
        self._scorers: dict[tuple, nn.Module] = {}
        self.register_load_state_dict_pre_hook(
            lambda *args: self._scorers.clear()
        )
        for size, stride in self.windows:
            grid_stride = stride * self.input_size / size
            if fully_convolutional and grid_stride != int(grid_stride):
                raise ValueError(
                    f'window ({size}, {stride}): the stride is {grid_stride:g}'
                    f' px at the classifier input of {self.input_size} px;'
                    ' choose a stride that makes it a whole number'
                )
            if (
                fully_convolutional
            ):  # fail at build time, not on the first image
                convolutional_layout(self, int(grid_stride))

    def init_weights(self) -> None:
        """mmengine's initialization; a ``Pretrained`` checkpoint is first
        checked to fit (mmengine loads it non-strictly)."""
        if self.init_cfg and self.init_cfg.get('type') == 'Pretrained':
            from ...utils.checkpoint import safe_load, state_dict_of

            path = self.init_cfg['checkpoint']
            check_state_dict_fits(
                self,
                revise_state_dict_keys(state_dict_of(safe_load(path), path)),
                path,
            )
        super().init_weights()

    # The detector is trained as a classifier (tools/train.py on a
    # classification config).
    def loss(self, batch_inputs: Tensor, batch_data_samples) -> dict:
        raise NotImplementedError(
            'SlidingWindowDetector is not trained as a detector: train its'
            ' classifier with tools/train.py on a classification config and'
            ' pass that checkpoint to tools/test.py'
        )

    def _forward(self, batch_inputs: Tensor, batch_data_samples=None):
        return [self.window_scores(image) for image in batch_inputs]

    def extract_feat(self, batch_inputs: Tensor):
        return self.backbone(batch_inputs)

    def classify(self, chips: Tensor) -> Tensor:
        """Class probabilities of chips already at the classifier's input
        size."""
        return self.head(self.backbone(chips)).softmax(dim=1)

    def window_scores(
        self, image: Tensor, fully_convolutional: Optional[bool] = None
    ):
        """Score every window of one (C, H, W) image.

        Returns ``(boxes, probs)``: windows ``x1, y1, x2, y2`` in image pixels
        (corners on the stride grid, padded with zeros past the right and
        bottom edges) and their class probabilities, all scales
        concatenated."""
        fully_convolutional = (
            self.fully_convolutional
            if fully_convolutional is None
            else fully_convolutional
        )
        all_boxes, all_probs = [], []
        for size, stride in self.windows:
            scorer = (
                self._score_fcn if fully_convolutional else self._score_loop
            )
            boxes, probs = scorer(image, size, stride)
            all_boxes.append(boxes)
            all_probs.append(probs)
        return torch.cat(all_boxes), torch.cat(all_probs)

    def _padded(self, image: Tensor, size: int, stride: int) -> Tensor:
        height, width = image.shape[-2:]
        return torch.nn.functional.pad(
            image,
            (
                0,
                grid_padding(width, size, stride),
                0,
                grid_padding(height, size, stride),
            ),
        )

    @staticmethod
    def _grid_boxes(
        rows: int, cols: int, size: int, stride: int, device
    ) -> Tensor:
        ys, xs = torch.meshgrid(
            torch.arange(rows, device=device) * stride,
            torch.arange(cols, device=device) * stride,
            indexing='ij',
        )
        corners = torch.stack([xs, ys], -1).reshape(-1, 2).float()
        return torch.cat([corners, corners + size], 1)

    def _score_loop(self, image: Tensor, size: int, stride: int):
        padded = self._padded(image, size, stride)
        rows = (padded.shape[-2] - size) // stride + 1
        cols = (padded.shape[-1] - size) // stride + 1
        boxes = self._grid_boxes(rows, cols, size, stride, image.device)
        probs = []
        for start in range(0, len(boxes), self.batch_size):
            chips = torch.stack(
                [
                    padded[:, int(y) : int(y) + size, int(x) : int(x) + size]
                    for x, y in boxes[
                        start : start + self.batch_size, :2
                    ].tolist()
                ]
            )
            probs.append(self.classify(resize_windows(chips, self.input_size)))
        return boxes, (
            torch.cat(probs) if probs else image.new_zeros(0, self.num_classes)
        )

    def scorer(self, grid_stride: int) -> nn.Module:
        """The classifier as a convolutional scorer of a ``grid_stride`` grid:
        built once per stride and device, again after weights are loaded."""
        device = self.head.weight.device
        key = (grid_stride, device)
        if key not in self._scorers:
            self._scorers[key] = ConvolutionalWindowScorer(
                self, grid_stride
            ).to(device)
        return self._scorers[key]

    def _score_fcn(self, image: Tensor, size: int, stride: int):
        scale = self.input_size / size
        scorer = self.scorer(int(stride * scale))
        scene = resize_scene(self._padded(image, size, stride)[None], scale)
        logits = scorer(scene)[0]
        rows, cols = logits.shape[-2:]
        boxes = self._grid_boxes(rows, cols, size, stride, image.device)
        return boxes, logits.flatten(1).t().softmax(dim=1)

    def predict(
        self, batch_inputs: Tensor, batch_data_samples, rescale: bool = True
    ):
        results = []
        for image, sample in zip(batch_inputs, batch_data_samples):
            height, width = sample.img_shape
            boxes, probs = self.window_scores(image[:, :height, :width])
            results.append(self._select(boxes, probs, sample, rescale))
        return self.add_pred_to_datasample(batch_data_samples, results)

    def _select(
        self, windows: Tensor, probs: Tensor, sample, rescale: bool
    ) -> InstanceData:
        object_probs = probs
        keep = torch.ones(len(probs), dtype=torch.bool, device=probs.device)
        if self.background_class is not None:
            background = self.background_class % probs.shape[1]
            keep = probs.argmax(1) != background
            object_probs = probs.clone()
            object_probs[:, background] = -1
        scores, labels = object_probs.max(1)
        keep &= scores >= self.test_cfg.score_thr
        windows, scores, labels = windows[keep], scores[keep], labels[keep]
        centres = (windows[:, :2] + windows[:, 2:]) / 2
        half = (windows[:, 2:] - windows[:, :2]) * self.box_fraction / 2
        boxes = torch.cat([centres - half, centres + half], 1)
        height, width = sample.img_shape
        boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
        return post_process(
            InstanceData(bboxes=boxes, scores=scores, labels=labels),
            self.test_cfg.nms,
            self.test_cfg.max_per_img,
            sample.get('scale_factor') if rescale else None,
        )
