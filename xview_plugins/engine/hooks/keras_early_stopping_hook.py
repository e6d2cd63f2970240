from __future__ import annotations

import math
from typing import Optional

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class KerasEarlyStoppingHook(Hook):
    """Stop training when a validation metric stops improving, counted as
    Keras' ``EarlyStopping(monitor, patience, min_delta, mode)`` counts.

    Where it differs from mmengine's ``EarlyStoppingHook``: an epoch whose
    score only equals the best is not an improvement (Keras: ``current -
    min_delta > best``), and training never stops after the first epoch. Unlike
    mmengine's hook it touches the train loop only while training, so a config
    holding it also runs ``tools/test.py`` (or ``Runner.test()``) without its
    training data.

    Args:
        monitor: the metric, e.g. ``'cls/mean_accuracy'``.
        rule: ``'greater'`` (Keras ``mode='max'``) or ``'less'``
            (``mode='min'``).
        patience: epochs without improvement before stopping.
        min_delta: the least change that counts as an improvement.
    """

    priority = 'LOWEST'

    def __init__(
        self,
        monitor: str,
        rule: str = 'greater',
        patience: int = 0,
        min_delta: float = 0.0,
    ) -> None:
        if rule not in ('greater', 'less'):
            raise ValueError(f"rule must be 'greater' or 'less', not {rule!r}")
        self.monitor = monitor
        self.sign = 1.0 if rule == 'greater' else -1.0
        self.patience = patience
        self.min_delta = abs(min_delta)
        self.best: float = -math.inf
        self.wait = 0
        self.stopped_epoch: Optional[int] = None
        self.training = False

    def before_train(self, runner) -> None:
        if not hasattr(runner.train_loop, 'stop_training'):
            raise TypeError(
                f'{type(self).__name__} needs a train loop with'
                ' `stop_training` (EpochBasedTrainLoop), not'
                f' {type(runner.train_loop).__name__}'
            )
        self.best, self.wait, self.stopped_epoch = -math.inf, 0, None
        self.training = True

    def after_train(self, runner) -> None:
        self.training = False

    def after_val_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        if not self.training:  # a stand-alone Runner.val(): nothing to stop
            return
        metrics = metrics or {}
        if self.monitor not in metrics:
            raise KeyError(
                f'{type(self).__name__}: the metric {self.monitor!r} is not'
                f' among the validation metrics {sorted(metrics)}'
            )
        current = self.sign * float(metrics[self.monitor])
        self.wait += 1
        if current - self.min_delta > self.best:
            self.best, self.wait = current, 0
            return
        keras_epoch = (
            runner.epoch - 1
        )  # mmengine has counted the finished epoch already
        if self.wait >= self.patience and keras_epoch > 0:
            self.stopped_epoch = runner.epoch
            runner.train_loop.stop_training = True
            runner.logger.info(
                f'early stopping: {self.monitor} did not improve for'
                f' {self.wait} epochs (best {self.sign * self.best:.4f})'
            )
