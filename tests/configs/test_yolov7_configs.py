"""The YOLOv7 configs build the official networks."""

import re
import subprocess
import sys

import pytest
import torch
from mmdet.registry import DATASETS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import xview_plugins  # noqa: F401
from tests.conftest import (
    LOADERS_IN_PROCESS,
    ROOT,
    build_config_model,
    narrowed_yolov7,
)


@pytest.mark.parametrize(
    'name, params',
    [
        ('yolov7-tiny_xview.py', 6_228_762),
        ('yolov7_xview.py', 37_622_682),
        ('yolov7x_xview.py', 71_347_394),
        ('yolov7-w6_xview.py', 82_312_436),
        ('yolov7-e6_xview.py', 111_898_292),
        ('yolov7-d6_xview.py', 154_709_364),
        ('yolov7-e6e_xview.py', 166_408_884),
    ],
)
def test_configs_build_the_official_networks(name, params):
    """The config's own model, at the official 80 classes, has the official
    parameter count."""
    cfg = Config.fromfile(str(ROOT / 'configs' / name))
    cfg.model.bbox_head.num_classes = 80
    model = build_config_model(cfg)
    assert sum(p.numel() for p in model.parameters()) == params


@pytest.mark.slow  # trains
@pytest.mark.parametrize('arch', ['w6', 'e6', 'd6', 'e6e'])
def test_p6_configs_train_one_iteration(arch, synthetic_release, tmp_path):
    """The P6 configs as given (1280-px tiles, hyp.scratch.p6, the auxiliary
    head and loss) run a training iteration, at width 0.25 for the CPU."""
    config = ROOT / 'configs' / f'yolov7-{arch}_xview.py'
    narrow = narrowed_yolov7(Config.fromfile(str(config)), 0.25)
    options = [f'{key}={value}' for key, value in narrow.items()] + [
        'train_cfg.max_epochs=1',
        'train_cfg.val_interval=5',
        'default_hooks.checkpoint.interval=1',
        'train_dataloader.batch_size=8',
        *LOADERS_IN_PROCESS,
    ]
    work = tmp_path / 'work'
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / 'tools' / 'train.py'),
            str(config),
            '--data-root',
            str(synthetic_release),
            '--work-dir',
            str(work),
            '--cfg-options',
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert 'Epoch(train) [1][1/1]' in log
    # a finite loss, the auxiliary head saved with the rest
    assert re.search(r'loss: \d+\.\d+', log), log[-2000:]
    saved = torch.load(work / 'epoch_1.pth', weights_only=True)
    assert saved['meta']['iter'] == 1
    assert any('bbox_head.m2.' in key for key in saved['state_dict'])


@pytest.mark.parametrize('arch', ['w6', 'e6', 'd6', 'e6e'])
def test_p6_configs_hold_the_official_p6_recipe(arch, synthetic_release):
    """1280-px tiles and inputs, hyp.scratch.p6 (lrf 0.2, loss weights
    scaled for 4 levels at 1280 px), ComputeLossAuxOTA's top 20 IoUs."""
    cfg = Config.fromfile(str(ROOT / 'configs' / f'yolov7-{arch}_xview.py'))
    train = cfg.train_dataloader.dataset
    assert train.dataset.tile_size == cfg.val_dataloader.dataset.tile_size
    assert (train.dataset.tile_size, train.dataset.tile_overlap) == (1280, 128)
    # the wrapper builds the pipeline from its settings and the tile size
    train.dataset.data_root = f'{synthetic_release}/'
    init_default_scope('mmdet')
    dataset = DATASETS.build(train)
    mosaic = dataset.pipeline_cfg[0]
    assert mosaic['type'] == 'YOLOv7Mosaic'
    assert mosaic['img_scale'] == (1280, 1280)
    mixup = next(t for t in dataset.pipeline_cfg if t['type'] == 'YOLOv7MixUp')
    assert mixup['pre_transform'][0]['img_scale'] == (1280, 1280)
    hook = cfg.default_hooks.param_scheduler
    assert hook.type == 'YOLOv7ParamSchedulerHook' and hook.lrf == 0.2
    assert cfg.optim_wrapper.optimizer.lr == 0.01
    head = cfg.model.bbox_head
    assert list(head.strides) == [8, 16, 32, 64]
    # train.py: box x 3/nl, cls x nc/80 x 3/nl, obj x (1280/640)^2 x 3/nl
    assert head.loss_bbox.loss_weight == 0.05 * (3.0 / 4)
    assert head.loss_cls.loss_weight == 0.3 * (12 / 80.0 * 3.0 / 4)
    assert head.loss_obj.loss_weight == 0.7 * ((1280 / 640) ** 2 * 3.0 / 4)
    assert list(head.obj_level_weights) == [4.0, 1.0, 0.25, 0.06]
    assert cfg.model.train_cfg.assigner.candidate_topk == 20
    assert cfg.model.data_preprocessor.pad_size_divisor == 64
