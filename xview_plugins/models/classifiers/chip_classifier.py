"""An image classifier for 224x224 chips: backbone -> linear softmax head."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement


@MODELS.register_module()
class ChipClassifier(BaseModel):
    """Backbone (``RecognitionFFNN`` / ``RecognitionCNN``) and a linear
    ``num_classes``-way softmax head.

    Args:
        class_weights: per-class weights of the cross-entropy (class
            imbalance), or ``'balanced'``: ``n / (num_classes * count)`` from
            the training labels, set by ``ClassWeightsHook`` before training.
        weight_penalty: ``('l1' | 'l2', factor)``: a loss term on the kernel
            weights of every linear and conv layer, as Keras'
            ``kernel_regularizer`` (not weight decay).
    """

    def __init__(
        self,
        backbone: dict,
        num_classes: int = 12,
        data_preprocessor: Optional[dict] = None,
        class_weights: Union[None, str, Sequence[float]] = None,
        weight_penalty: Optional[Sequence[Union[str, float]]] = None,
        init_cfg=None,
    ) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor
            or dict(
                type='ImgDataPreprocessor',
                mean=[0, 0, 0],
                std=[255, 255, 255],
                bgr_to_rgb=True,
            ),
            init_cfg=init_cfg,
        )
        self.backbone = MODELS.build(backbone)
        self.head = nn.Linear(self.backbone.out_features, num_classes)
        nn.init.xavier_uniform_(
            self.head.weight
        )  # Keras' Dense default (Glorot uniform)
        nn.init.zeros_(self.head.bias)
        self.num_classes = num_classes
        if isinstance(class_weights, str) and class_weights != 'balanced':
            raise ValueError(
                f'class_weights must be a list of {num_classes} numbers or '
                f"'balanced', not {class_weights!r}"
            )
        self.class_weights_mode = (
            'balanced' if class_weights == 'balanced' else None
        )
        weights = (
            torch.tensor(class_weights, dtype=torch.float32)
            if class_weights and not self.class_weights_mode
            else None
        )
        self.register_buffer('class_weights', weights, persistent=False)
        if weight_penalty is not None and weight_penalty[0] not in (
            'l1',
            'l2',
        ):
            raise ValueError(
                "weight_penalty must be ('l1' | 'l2', factor), got"
                f' {weight_penalty}'
            )
        self.weight_penalty = weight_penalty

    def forward(
        self, inputs: torch.Tensor, data_samples=None, mode: str = 'tensor'
    ):
        logits = self.head(self.backbone(inputs))
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            labels = (
                torch.stack([s.gt_label for s in data_samples])
                .to(logits.device)
                .view(-1)
            )
            losses = dict(
                loss_cls=F.cross_entropy(
                    logits, labels, weight=self.class_weights
                )
            )
            if self.weight_penalty:
                kind, factor = self.weight_penalty
                kernels = [
                    m.weight
                    for m in self.modules()
                    if isinstance(m, (nn.Linear, nn.Conv2d))
                ]
                penalty = sum(
                    (w.abs().sum() if kind == 'l1' else (w**2).sum())
                    for w in kernels
                )
                losses['loss_weight_penalty'] = float(factor) * penalty
            return losses
        if mode == 'predict':
            scores = logits.softmax(dim=1)
            for sample, score in zip(data_samples, scores):
                sample.pred_score = score
                sample.pred_label = score.argmax().view(1)
            return data_samples
        raise ValueError(f'unknown mode {mode!r}')


def make_data_sample(label: int) -> BaseDataElement:
    return BaseDataElement(gt_label=torch.tensor([label]))
