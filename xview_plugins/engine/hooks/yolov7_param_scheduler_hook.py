from __future__ import annotations

import math
from typing import Optional

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
    x lrf`` over ``max_epochs``, set per epoch. It takes the place of
    mmengine's ``ParamSchedulerHook`` in ``default_hooks`` (as mmyolo's
    schedule hooks do), so that a config changes one setting with one line,
    e.g. ``default_hooks = dict(param_scheduler=dict(lrf=0.01))``; set
    ``param_scheduler`` to ``[]``. Groups come from
    ``YOLOv7OptimWrapperConstructor``.

    ``lr0``, ``momentum`` and ``max_epochs`` default to the config's own
    (``optim_wrapper.optimizer.lr`` and ``momentum``,
    ``train_cfg.max_epochs``), so that each is written once.
    """

    priority = 'NORMAL'

    def __init__(
        self,
        lr0: Optional[float] = None,
        lrf: float = 0.1,
        max_epochs: Optional[int] = None,
        warmup_epochs: float = 3.0,
        warmup_min_iters: int = 1000,
        warmup_bias_lr: float = 0.1,
        warmup_momentum: float = 0.8,
        momentum: Optional[float] = None,
    ) -> None:
        self.lr0 = lr0
        self.lrf = lrf
        self.max_epochs = max_epochs
        self.warmup_epochs = warmup_epochs
        self.warmup_min_iters = warmup_min_iters
        self.warmup_bias_lr = warmup_bias_lr
        self.warmup_momentum = warmup_momentum
        self.momentum = momentum

    def lr_factor(self, epoch: int, max_epochs: Optional[int] = None) -> float:
        """The one-cycle factor of ``lr0`` at ``epoch`` of ``max_epochs``
        (default: the hook's)."""
        max_epochs = max_epochs or self.max_epochs
        return ((1 - math.cos(epoch * math.pi / max_epochs)) / 2) * (
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
        optimizer = runner.optim_wrapper.optimizer
        lr0 = self.lr0 if self.lr0 is not None else optimizer.defaults['lr']
        momentum = (
            self.momentum
            if self.momentum is not None
            else optimizer.defaults.get('momentum')
        )
        target = lr0 * self.lr_factor(
            runner.epoch, self.max_epochs or runner.max_epochs
        )
        for group in optimizer.param_groups:
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
                            step, [0, warmup], [self.warmup_momentum, momentum]
                        )
                    )
            else:
                group['lr'] = target
                if 'momentum' in group:
                    group['momentum'] = momentum
