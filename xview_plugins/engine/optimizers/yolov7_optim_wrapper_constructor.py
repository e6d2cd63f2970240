"""The official YOLOv7 optimizer set-up: three parameter groups."""

from __future__ import annotations

import copy
from typing import Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIM_WRAPPERS,
    OPTIMIZERS,
)

from ...models.layers.yolov7_blocks import ImplicitA, ImplicitM


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class YOLOv7OptimWrapperConstructor:
    """Groups as the official ``train.py``: BatchNorm weights and implicit
    knowledge without weight decay (``no_decay``), other weights with it
    (``decay``), and biases without it (``bias``, the group whose warm-up
    starts high)."""

    # the wrapper of a config that names none (``--amp`` reads it too)
    default_wrapper = 'SumAccumulateOptimWrapper'

    def __init__(
        self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None
    ) -> None:
        self.optim_wrapper_cfg = copy.deepcopy(optim_wrapper_cfg)

    def __call__(self, model: nn.Module):
        model = model.module if is_model_wrapper(model) else model
        cfg = copy.deepcopy(self.optim_wrapper_cfg)
        optimizer_cfg = cfg.pop('optimizer')
        weight_decay = optimizer_cfg.pop('weight_decay', 0.0)
        no_decay, decay, biases = [], [], []
        for module in model.modules():
            if isinstance(getattr(module, 'bias', None), nn.Parameter):
                biases.append(module.bias)
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                no_decay.append(module.weight)
            elif isinstance(module, (ImplicitA, ImplicitM)):
                no_decay.append(module.implicit)
            elif isinstance(getattr(module, 'weight', None), nn.Parameter):
                decay.append(module.weight)
        grouped = {id(p) for p in no_decay + decay + biases}
        missing = [
            n for n, p in model.named_parameters() if id(p) not in grouped
        ]
        if missing:
            raise ValueError(
                f'parameters in no optimizer group: {missing[:5]}'
            )
        optimizer_cfg['params'] = [
            dict(params=no_decay, name='no_decay', weight_decay=0.0),
            dict(params=decay, name='decay', weight_decay=weight_decay),
            dict(params=biases, name='bias', weight_decay=0.0),
        ]
        optimizer = OPTIMIZERS.build(optimizer_cfg)
        cfg.setdefault('type', self.default_wrapper)
        return OPTIM_WRAPPERS.build(
            cfg, default_args=dict(optimizer=optimizer)
        )
