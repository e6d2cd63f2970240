"""The official YOLOv7 accumulation with mixed precision (``--amp``)."""

from __future__ import annotations

from mmengine.optim import AmpOptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

from .sum_accumulate_optim_wrapper import SumAccumulateOptimWrapper


@OPTIM_WRAPPERS.register_module()
class SumAccumulateAmpOptimWrapper(SumAccumulateOptimWrapper, AmpOptimWrapper):
    """:class:`SumAccumulateOptimWrapper` under mmengine's
    :class:`AmpOptimWrapper`: the losses of the accumulated batches are
    summed (the official recipe) and then scaled by the gradient scaler,
    which unscales the summed gradients before the step. ``tools/train.py
    --amp`` swaps a ``SumAccumulateOptimWrapper`` for it, so that mixed
    precision keeps the recipe's nominal batch."""
