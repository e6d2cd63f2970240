"""Keras' ReduceLROnPlateau and EarlyStopping counting on mmengine."""

from types import SimpleNamespace

import pytest
import torch

from xview_plugins.engine import KerasEarlyStoppingHook, KerasReduceOnPlateauLR


def lr_after(scores, patience):
    optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = KerasReduceOnPlateauLR(
        optimizer, monitor='acc', factor=0.1, patience=patience
    )
    lrs = []
    for score in scores:
        scheduler.step({'acc': score})
        lrs.append(optimizer.param_groups[0]['lr'])
    return lrs


def test_lr_drops_after_patience_epochs_without_improvement():
    # Keras: best 0.5 at epoch 1; epochs 2 and 3 do not improve -> the LR drops
    # at the end of epoch 3 (wait reaches patience 2); mmengine's own
    # ReduceOnPlateauLR(patience=2) would wait one epoch more. LRs: one
    # float64 product each, within approx's rel 1e-6.
    assert lr_after([0.5, 0.5, 0.5, 0.5], 2) == pytest.approx([1, 1, 0.1, 0.1])
    # an improvement of at most min_delta (1e-4, absolute) is none
    assert lr_after([0.5, 0.50005, 0.5001, 0.6], 2) == pytest.approx(
        [1, 1, 0.1, 0.1]
    )
    assert lr_after([0.5, 0.6, 0.7, 0.8], 1) == pytest.approx([1, 1, 1, 1])
    with pytest.raises(ValueError):
        lr_after([0.5], 0)


def run_early_stopping(scores, patience):
    hook = KerasEarlyStoppingHook('acc', patience=patience)
    loop = SimpleNamespace(stop_training=False)
    runner = SimpleNamespace(
        train_loop=loop, epoch=0, logger=SimpleNamespace(info=lambda m: None)
    )
    hook.before_train(runner)
    for epoch, score in enumerate(scores, 1):
        runner.epoch = epoch
        hook.after_val_epoch(runner, {'acc': score})
        if loop.stop_training:
            return epoch
    return None


def test_early_stopping_counts_as_keras():
    # ties are no improvement (Keras: current - min_delta > best)
    assert run_early_stopping([0.5, 0.5, 0.5, 0.9], 2) == 3
    assert run_early_stopping([0.5, 0.6, 0.7, 0.8], 1) is None
    # never after the first epoch, even with patience 0 ... and then at once
    assert run_early_stopping([0.5, 0.4], 0) == 2
    # a stand-alone validation (no training) stops nothing and needs no loop
    hook = KerasEarlyStoppingHook('acc', patience=1)
    hook.after_val_epoch(SimpleNamespace(), {'acc': 0.1})
