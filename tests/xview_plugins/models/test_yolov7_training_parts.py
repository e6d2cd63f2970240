"""The YOLOv7 recipe parts: optimizer groups, LR schedule, augmentations,
weights tool."""

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.config import Config

import xview_plugins  # noqa: F401
from tests.conftest import ROOT, build_yolov7
from xview_plugins.datasets.transforms import YOLOv7HSVRandomAug, YOLOv7MixUp
from xview_plugins.engine import (
    YOLOv7OptimWrapperConstructor,
    YOLOv7ParamSchedulerHook,
)


def test_optimizer_groups_follow_the_official_split():
    model = build_yolov7('l', num_classes=12)
    wrapper = YOLOv7OptimWrapperConstructor(
        dict(
            optimizer=dict(
                type='SGD',
                lr=0.01,
                momentum=0.937,
                nesterov=True,
                weight_decay=5e-4,
            )
        )
    )(model)
    groups = {g['name']: g for g in wrapper.optimizer.param_groups}
    assert groups['decay']['weight_decay'] == 5e-4
    assert (
        groups['no_decay']['weight_decay'] == 0
        and groups['bias']['weight_decay'] == 0
    )
    assert wrapper.optimizer.defaults['nesterov']
    counted = sum(len(g['params']) for g in groups.values())
    assert counted == len(list(model.parameters()))
    implicit = {
        id(m.implicit) for m in model.modules() if hasattr(m, 'implicit')
    }
    assert implicit <= {id(p) for p in groups['no_decay']['params']}
    # Accumulated batches are summed, as official (mmengine would average
    # them).
    assert wrapper.scale_loss(torch.tensor(3.0)) == 3.0


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


def test_hsv_augmentation_keeps_gray_and_shape():
    np.random.seed(0)
    gray = np.full((8, 8, 3), 100, np.uint8)
    out = YOLOv7HSVRandomAug()(dict(img=gray.copy()))['img']
    assert out.shape == gray.shape and (out[..., 0] == out[..., 1]).all()
    colour = np.random.randint(0, 255, (16, 16, 3), np.uint8)
    assert not np.array_equal(
        YOLOv7HSVRandomAug(0.5, 0.9, 0.9)(dict(img=colour.copy()))['img'],
        colour,
    )


def test_mixup_blends_images_and_keeps_both_box_sets():
    def sample(value, box):
        return dict(
            img=np.full((4, 4, 3), value, np.uint8),
            gt_bboxes=HorizontalBoxes(
                torch.tensor([box], dtype=torch.float32)
            ),
            gt_bboxes_labels=np.array([1]),
            gt_ignore_flags=np.array([False]),
        )

    results = sample(200, [0, 0, 2, 2])
    results['mix_results'] = [sample(0, [1, 1, 3, 3])]
    mixed = YOLOv7MixUp(prob=1.0)(results)
    assert 0 < mixed['img'].mean() < 200 and len(mixed['gt_bboxes']) == 2
    assert 'mix_results' not in mixed


def test_weights_tool_converts_and_refuses_pickled_models(
    reference_dir, tmp_path
):
    fixture = torch.load(
        reference_dir / 'yolov7-tiny_official_reference.pt', weights_only=True
    )
    torch.save(fixture['state_dict'], tmp_path / 'official.pt')
    out = tmp_path / 'converted.pth'
    tool = [sys.executable, str(ROOT / 'tools' / 'convert_yolov7_weights.py')]
    config = str(ROOT / 'configs' / 'yolov7-tiny_xview.py')
    result = subprocess.run(
        tool + [str(tmp_path / 'official.pt'), str(out), '--config', config],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert (
        'kept initialization (shape differs): model.77.m.0.weight'
        in result.stdout
    )  # 12 vs 80
    checkpoint = torch.load(out, weights_only=True)
    key = 'backbone.layers.0.conv.weight'
    assert torch.equal(
        checkpoint['state_dict'][key],
        fixture['state_dict']['model.0.conv.weight'],
    )

    torch.save(
        {'model': torch.nn.Linear(2, 2)}, tmp_path / 'yolov7.pt'
    )  # a pickled module
    result = subprocess.run(
        tool + [str(tmp_path / 'yolov7.pt'), str(out), '--config', config],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2 and 'state_dict()' in result.stderr


def test_configs_build_the_official_networks():
    for name, params in (
        ('yolov7-tiny_xview.py', 6_228_762),
        ('yolov7_xview.py', 37_622_682),
    ):
        cfg = Config.fromfile(str(ROOT / 'configs' / name))
        cfg.model.bbox_head.num_classes = 80
        arch = cfg.model.backbone.arch
        model = build_yolov7(
            arch,
            **{
                k: v
                for k, v in cfg.model.bbox_head.items()
                if k not in ('type', 'in_channels')
            },
        )
        assert sum(p.numel() for p in model.parameters()) == params
