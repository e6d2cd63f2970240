from __future__ import annotations

import math

import numpy as np
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class YOLOv7ParamSchedulerHook(Hook):
    """The official learning-rate and momentum schedule.

    Warm-up over ``max(warmup_epochs x iterations per epoch,
    warmup_min_iters)`` iterations: biases from ``warmup_bias_lr`` and the
    other groups from 0 to the scheduled LR, momentum from ``warmup_momentum``
    to ``momentum``. The LR follows the one-cycle cosine from ``lr0`` to ``lr0
    x lrf`` over ``max_epochs``, set per epoch. Use it instead of
    ``param_scheduler`` (set that to ``[]``); groups come from
    ``YOLOv7OptimWrapperConstructor``.
    """

    priority = 'NORMAL'

    def __init__(
        self,
        lr0: float = 0.01,
        lrf: float = 0.1,
        max_epochs: int = 300,
        warmup_epochs: float = 3.0,
        warmup_min_iters: int = 1000,
        warmup_bias_lr: float = 0.1,
        warmup_momentum: float = 0.8,
        momentum: float = 0.937,
    ) -> None:
        self.lr0 = lr0
        self.lrf = lrf
        self.max_epochs = max_epochs
        self.warmup_epochs = warmup_epochs
        self.warmup_min_iters = warmup_min_iters
        self.warmup_bias_lr = warmup_bias_lr
        self.warmup_momentum = warmup_momentum
        self.momentum = momentum

    def lr_factor(self, epoch: int) -> float:
        return ((1 - math.cos(epoch * math.pi / self.max_epochs)) / 2) * (
            self.lrf - 1
        ) + 1

    def before_train_iter(
        self, runner, batch_idx: int, data_batch=None
    ) -> None:
        iters_per_epoch = len(runner.train_dataloader)
        warmup = max(
            round(self.warmup_epochs * iters_per_epoch), self.warmup_min_iters
        )
        step = runner.iter
        target = self.lr0 * self.lr_factor(runner.epoch)
        for group in runner.optim_wrapper.optimizer.param_groups:
            if step <= warmup:
                start = (
                    self.warmup_bias_lr if group.get('name') == 'bias' else 0.0
                )
                group['lr'] = float(
                    np.interp(step, [0, warmup], [start, target])
                )
                if 'momentum' in group:
                    group['momentum'] = float(
                        np.interp(
                            step,
                            [0, warmup],
                            [self.warmup_momentum, self.momentum],
                        )
                    )
            else:
                group['lr'] = target
                if 'momentum' in group:
                    group['momentum'] = self.momentum
