"""YOLOv7's backbone and neck are composable mm modules: width, norm and
activation from settings, the neck fed by ``in_channels``."""

import math

import pytest
import torch
from mmdet.registry import MODELS

import xview_plugins  # noqa: F401


def convs(module):
    return [m for m in module.modules() if isinstance(m, torch.nn.Conv2d)]


@pytest.mark.parametrize('arch', ['tiny', 'l', 'x'])
def test_widen_factor_follows_the_official_width_rule(arch):
    """Every conv's output channels become ceil(c * w / 8) * 8."""
    full = MODELS.build(dict(type='YOLOv7Backbone', arch=arch))
    narrow = MODELS.build(
        dict(type='YOLOv7Backbone', arch=arch, widen_factor=0.25)
    )
    pairs = list(zip(convs(full), convs(narrow)))
    assert len(pairs) == len(convs(full)) > 10
    for wide, small in pairs:
        expected = math.ceil(wide.out_channels * 0.25 / 8) * 8
        assert small.out_channels == expected
    assert narrow.out_channels == tuple(
        math.ceil(c * 0.25 / 8) * 8 for c in full.out_channels
    )
    neck = MODELS.build(
        dict(
            type='YOLOv7Neck',
            arch=arch,
            widen_factor=0.25,
            in_channels=narrow.out_channels,
        )
    )
    out = neck(narrow(torch.rand(1, 3, 64, 64)))
    assert tuple(o.shape[1] for o in out) == neck.out_channels


def test_norm_and_activation_come_from_their_configs():
    backbone = MODELS.build(
        dict(
            type='YOLOv7Backbone',
            arch='tiny',
            norm_cfg=dict(type='GN', num_groups=8),
            act_cfg=dict(type='ReLU'),
        )
    )
    kinds = {type(m) for m in backbone.modules()}
    assert torch.nn.GroupNorm in kinds and torch.nn.ReLU in kinds
    assert torch.nn.BatchNorm2d not in kinds
    assert torch.nn.LeakyReLU not in kinds
    default = MODELS.build(dict(type='YOLOv7Backbone', arch='tiny'))
    bn = next(
        m for m in default.modules() if isinstance(m, torch.nn.BatchNorm2d)
    )
    assert (bn.eps, bn.momentum) == (1e-3, 0.03)


def test_the_neck_reads_only_its_in_channels():
    """Fed features of the channels it is told, whatever backbone made
    them."""
    neck = MODELS.build(
        dict(type='YOLOv7Neck', arch='tiny', in_channels=(48, 96, 200))
    )
    feats = [torch.rand(1, c, s, s) for c, s in ((48, 16), (96, 8), (200, 4))]
    assert [o.shape[1] for o in neck(feats)] == [128, 256, 512]
    with pytest.raises(ValueError, match='in_channels'):
        MODELS.build(dict(type='YOLOv7Neck', arch='tiny', in_channels=(1, 2)))


def test_out_indices_choose_the_stages_returned():
    backbone = MODELS.build(
        dict(
            type='YOLOv7Backbone',
            arch='tiny',
            widen_factor=0.25,
            out_indices=(0, 2),
        )
    )
    feats = backbone(torch.rand(1, 3, 64, 64))
    # strides 4 and 16 (P2, P4): the layers after P4 are not built
    assert [f.shape[-1] for f in feats] == [16, 4]
    assert backbone.out_channels == (16, 64)
    assert len(backbone.layers) == 22
    default = MODELS.build(dict(type='YOLOv7Backbone', arch='w6'))
    assert default.out_indices == (1, 2, 3, 4)  # the official P3-P6
    with pytest.raises(ValueError, match='out_indices'):
        MODELS.build(dict(type='YOLOv7Backbone', arch='l', out_indices=(4,)))


def test_frozen_stages_keep_their_weights_and_statistics():
    torch.manual_seed(0)
    backbone = MODELS.build(
        dict(
            type='YOLOv7Backbone',
            arch='tiny',
            widen_factor=0.25,
            frozen_stages=2,
        )
    ).train()
    frozen = backbone.layers[: 14 + 1]  # stages P2, P3 (the stem included)
    assert all(not p.requires_grad for p in frozen.parameters())
    assert all(p.requires_grad for p in backbone.layers[15:].parameters())
    bn = [m for m in frozen.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    before = [m.running_mean.clone() for m in bn]
    backbone(torch.rand(2, 3, 64, 64))[-1].sum().backward()
    assert all(torch.equal(m.running_mean, b) for m, b in zip(bn, before))
    later = next(
        m
        for m in backbone.layers[15:].modules()
        if isinstance(m, torch.nn.BatchNorm2d)
    )
    assert later.training


def test_norm_eval_keeps_every_batchnorm_in_eval_mode():
    backbone = MODELS.build(
        dict(type='YOLOv7Backbone', arch='tiny', norm_eval=True)
    ).train()
    norms = [
        m for m in backbone.modules() if isinstance(m, torch.nn.BatchNorm2d)
    ]
    assert norms and not any(m.training for m in norms)
    assert backbone.training  # the rest trains


def test_the_backbone_trains_under_mmdet_s_yolox_neck_and_head(
    synthetic_release, tmp_path, capsys
):
    """From a config, one iteration: YOLOv7-tiny's backbone (three of its
    stages, the first frozen) under mmdet's own YOLOXPAFPN and YOLOXHead."""
    from tests.conftest import LOADERS_IN_PROCESS, ROOT, run_main

    config = tmp_path / 'yolov7-backbone_yolox.py'
    config.write_text(f"""
_base_ = ['{ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py'}']
model = dict(
    _delete_=True,
    type='YOLOX',
    data_preprocessor=dict(type='DetDataPreprocessor', pad_size_divisor=32),
    backbone=dict(
        type='YOLOv7Backbone', arch='tiny', widen_factor=0.25,
        out_indices=(1, 2, 3), frozen_stages=1),
    neck=dict(
        type='YOLOXPAFPN', in_channels=[32, 64, 128], out_channels=32,
        num_csp_blocks=1),
    bbox_head=dict(
        type='YOLOXHead', num_classes=12, in_channels=32, feat_channels=32),
    train_cfg=dict(assigner=dict(type='SimOTAAssigner', center_radius=2.5)),
    test_cfg=dict(score_thr=0.01, nms=dict(type='nms', iou_threshold=0.65)),
)
""")
    code, err = run_main(
        'train.py',
        [
            config,
            '--work-dir',
            tmp_path / 'work',
            '--data-root',
            synthetic_release,
            '--cfg-options',
            *LOADERS_IN_PROCESS,
            'train_dataloader.batch_size=2',
            'train_dataloader.dataset.dataset.indices=2',
            'train_cfg.max_epochs=1',
            'train_cfg.val_interval=100',
            'default_hooks.checkpoint.interval=1',
            'default_hooks.logger.interval=1',
        ],
        capsys,
    )
    assert code == 0, err
    saved = torch.load(tmp_path / 'work' / 'epoch_1.pth', weights_only=True)
    keys = saved['state_dict']
    assert any(k.startswith('backbone.layers.') for k in keys)
    assert any(k.startswith('neck.top_down_blocks') for k in keys)
    assert any(k.startswith('bbox_head.multi_level_conv_obj') for k in keys)
