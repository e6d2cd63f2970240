"""Gradient accumulation as the official YOLOv7 ``train.py`` does it."""

from __future__ import annotations

from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class SumAccumulateOptimWrapper(OptimWrapper):
    """Gradient accumulation that sums the losses of the accumulated batches
    (the official ``train.py``) instead of averaging them (mmengine's
    default)."""

    def scale_loss(self, loss):
        return loss
