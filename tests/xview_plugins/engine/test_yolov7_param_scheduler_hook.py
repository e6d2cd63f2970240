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
            optimizer=SimpleNamespace(param_groups=groups)
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
