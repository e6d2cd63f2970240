"""The official YOLOv7 class and objectness loss: ``BCEWithLogitsLoss`` with
``pos_weight``, the mean over every element.

mmdet's ``CrossEntropyLoss(use_sigmoid=True)`` gives the same loss values but
not the same gradients to the last bit (it reduces an element-wise loss times
a weight mask), and on the CPU demo those round-off differences alone moved
the trained model's mAP@0.5 from 0.379 to 0.328: a faithful YOLOv7 keeps the
official op."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS


@MODELS.register_module()
class YOLOv7BCELoss(nn.Module):
    """``loss_weight`` x ``BCEWithLogitsLoss(pos_weight=[pos_weight])`` (the
    hyper-parameter file's ``cls_pw`` / ``obj_pw``) of logits and (soft)
    targets of the same shape. :meth:`unweighted` is the term without
    ``loss_weight``: ``YOLOv7Head`` weights the sum over levels, as the
    official loss does."""

    def __init__(self, pos_weight: float = 1.0, loss_weight: float = 1.0):
        super().__init__()
        # a float, not a buffer: checkpoints keep the official keys
        self.pos_weight = float(pos_weight)
        self.loss_weight = loss_weight

    def unweighted(
        self, logits: torch.Tensor, target: torch.Tensor
    ) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(
            logits, target, pos_weight=logits.new_tensor([self.pos_weight])
        )

    def forward(
        self, logits: torch.Tensor, target: torch.Tensor
    ) -> torch.Tensor:
        return self.loss_weight * self.unweighted(logits, target)
