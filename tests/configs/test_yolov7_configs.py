"""The YOLOv7 configs build the official networks."""

import re
import subprocess
import sys

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope

import xview_plugins  # noqa: F401
from tests.conftest import LOADERS_IN_PROCESS, ROOT, narrowed_yolov7


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
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
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
