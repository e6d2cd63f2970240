"""The official YOLOv7 LR / momentum schedule."""

from types import SimpleNamespace

import pytest

import xview_plugins  # noqa: F401
from xview_plugins.engine import YOLOv7ParamSchedulerHook


def test_lr_schedule_warmup_and_one_cycle():
    hook = YOLOv7ParamSchedulerHook(
        lr0=0.01, lrf=0.1, max_epochs=10, warmup_epochs=1, warmup_min_iters=4
    )
    groups = [
        dict(name='bias', lr=0, momentum=0),
        dict(name='decay', lr=0, momentum=0),
    ]
    runner = SimpleNamespace(
        train_dataloader=[0, 0],
        iter=0,
        epoch=0,
        optim_wrapper=SimpleNamespace(
            optimizer=SimpleNamespace(
                param_groups=groups, defaults=dict(lr=0.01, momentum=0.937)
            )
        ),
    )
    hook.before_train_iter(runner, 0)
    # LRs are a few float64 operations: approx's rel 1e-6 covers their ulps
    assert groups[0]['lr'] == pytest.approx(0.1) and groups[1]['lr'] == 0
    assert groups[1]['momentum'] == pytest.approx(0.8)
    runner.iter, runner.epoch = 2, 1
    hook.before_train_iter(runner, 0)
    target = 0.01 * hook.lr_factor(1)
    assert groups[1]['lr'] == pytest.approx(target / 2)
    assert groups[0]['lr'] == pytest.approx((0.1 + target) / 2)
    runner.iter, runner.epoch = 100, 10
    hook.before_train_iter(runner, 0)
    assert (
        groups[1]['lr'] == pytest.approx(0.001)
        and groups[1]['momentum'] == 0.937
    )
    assert hook.lr_factor(0) == 1 and hook.lr_factor(5) == pytest.approx(0.55)


def test_lr0_momentum_and_epochs_default_to_the_config_s_own():
    """Written once: the optimizer's lr and momentum, train_cfg's epochs."""
    groups = [dict(name='decay', lr=0, momentum=0)]

    def runner_at(iteration, epoch, lr, momentum, max_epochs):
        return SimpleNamespace(
            train_dataloader=[0] * 4,
            iter=iteration,
            epoch=epoch,
            max_epochs=max_epochs,
            optim_wrapper=SimpleNamespace(
                optimizer=SimpleNamespace(
                    param_groups=groups,
                    defaults=dict(lr=lr, momentum=momentum),
                )
            ),
        )

    hook = YOLOv7ParamSchedulerHook(
        lrf=0.5, warmup_epochs=0, warmup_min_iters=0
    )
    hook.before_train_iter(runner_at(50, 5, 0.02, 0.9, 10), 0)
    # half way through the one-cycle: lr0 x (1 + lrf) / 2
    assert groups[0]['lr'] == pytest.approx(0.02 * 0.75)
    assert groups[0]['momentum'] == 0.9
    hook.before_train_iter(runner_at(50, 5, 0.02, 0.9, 20), 0)
    assert groups[0]['lr'] == pytest.approx(0.02 * hook.lr_factor(5, 20))
    assert hook.lr_factor(5, 20) != hook.lr_factor(5, 10)
