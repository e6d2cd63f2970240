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
