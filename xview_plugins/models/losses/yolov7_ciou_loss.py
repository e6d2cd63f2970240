"""The official YOLOv7 box loss: 1 - complete IoU of ``cx, cy, w, h`` boxes.

mmdet's ``CIoULoss`` is another variant (``x1, y1, x2, y2`` boxes, its aspect
term only counted above IoU 0.5, other epsilons), so it does not reproduce the
official loss."""

from __future__ import annotations

import math

import torch
import torch.nn as nn
from mmdet.registry import MODELS


def bbox_ciou(
    pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-7
) -> torch.Tensor:
    """Complete IoU of (n, 4) ``cx, cy, w, h`` boxes, as the official
    ``bbox_iou(..., CIoU=True)``."""
    p1, p2 = pred[:, :2] - pred[:, 2:] / 2, pred[:, :2] + pred[:, 2:] / 2
    t1, t2 = (
        target[:, :2] - target[:, 2:] / 2,
        target[:, :2] + target[:, 2:] / 2,
    )
    inter = (torch.min(p2, t2) - torch.max(p1, t1)).clamp(0).prod(1)
    w1, h1 = p2[:, 0] - p1[:, 0], p2[:, 1] - p1[:, 1] + eps
    w2, h2 = t2[:, 0] - t1[:, 0], t2[:, 1] - t1[:, 1] + eps
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = inter / union
    enclose = torch.max(p2, t2) - torch.min(p1, t1)
    c2 = (enclose**2).sum(1) + eps
    rho2 = (((t1 + t2) - (p1 + p2)) ** 2).sum(1) / 4
    v = (4 / math.pi**2) * torch.pow(
        torch.atan(w2 / h2) - torch.atan(w1 / h1), 2
    )
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


@MODELS.register_module()
class YOLOv7CIoULoss(nn.Module):
    """``loss_weight`` x mean(1 - CIoU) of matched ``cx, cy, w, h`` boxes;
    ``forward`` also returns the IoUs (the official objectness targets).
    :meth:`unweighted` is the term without ``loss_weight``: ``YOLOv7Head``
    weights the sum over levels, as the official loss does."""

    def __init__(self, eps: float = 1e-7, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eps = eps
        self.loss_weight = loss_weight

    def unweighted(
        self, pred: torch.Tensor, target: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        iou = bbox_ciou(pred, target, self.eps)
        return (1.0 - iou).mean(), iou

    def forward(
        self, pred: torch.Tensor, target: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        loss, iou = self.unweighted(pred, target)
        return self.loss_weight * loss, iou
