"""A new user's first commands: the card's configs without the data, with
--data-root, and with a mistyped setting."""

import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from tests.conftest import LOADERS_IN_PROCESS, ROOT
from xview_plugins.utils.config import set_data_root

YOLOV7 = str(ROOT / 'configs' / 'yolov7_xview.py')
TINY = str(ROOT / 'configs' / 'yolov7-tiny_xview.py')
YOLOV7X = str(ROOT / 'configs' / 'yolov7x_xview.py')


def run(tool, *args, cwd):
    return subprocess.run(
        [sys.executable, str(ROOT / 'tools' / tool), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def one_line_error(result):
    assert result.returncode == 2, result.stderr[-3000:]
    assert 'Traceback' not in result.stderr, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith('error: '), lines
    return lines[0]


@pytest.mark.parametrize('tool', ['train.py', 'test.py'])
def test_missing_xview_data_says_where_it_goes_and_what_to_run(tool, tmp_path):
    args = [YOLOV7] + (['no_checkpoint.pth'] if tool == 'test.py' else [])
    line = one_line_error(run(tool, *args, cwd=tmp_path))
    assert 'data/xview/xView_train.geojson' in line
    assert 'train_images/' in line and '--data-root DIR' in line
    assert 'python tools/make_synthetic_xview.py data/synthetic_xview' in line
    assert '--data-root data/synthetic_xview' in line


def test_config_mistakes_are_one_line(tmp_path):
    line = one_line_error(run('train.py', tmp_path / 'nope.py', cwd=tmp_path))
    assert 'nope.py: no such config file' in line
    line = one_line_error(
        run(
            'train.py',
            TINY,
            '--cfg-options',
            'model.backbone.type=YOLOv7Backbon',
            cwd=tmp_path,
        )
    )
    assert 'YOLOv7Backbon is not in the' in line and 'custom_imports' in line


def test_data_root_reaches_every_dataset_and_annotation_file():
    cfg = Config.fromfile(TINY)
    set_data_root(cfg, '/elsewhere')
    assert cfg.train_dataloader.dataset.dataset.data_root == '/elsewhere/'
    assert cfg.val_dataloader.dataset.data_root == '/elsewhere/'
    assert cfg.test_dataloader.dataset.data_root == '/elsewhere/'
    rtmdet = Config.fromfile(
        str(ROOT / 'configs' / 'rtmdet-tiny_synthetic-xview.py')
    )
    set_data_root(rtmdet, 'chips')
    assert rtmdet.train_dataloader.dataset.data_root == 'chips/'
    assert rtmdet.val_evaluator.ann_file == 'chips/val.json'
    assert rtmdet.test_evaluator.ann_file == 'chips/val.json'


@pytest.mark.slow  # trains
@pytest.mark.parametrize(
    'config', [YOLOV7, TINY, YOLOV7X], ids=['yolov7', 'tiny', 'yolov7x']
)
def test_the_card_configs_train_on_the_synthetic_release(
    config, synthetic_release, tmp_path
):
    options = [
        'train_cfg.max_epochs=1',
        'train_cfg.val_interval=5',
        'default_hooks.checkpoint.interval=1',
        'train_dataloader.batch_size=8',
    ]
    options += LOADERS_IN_PROCESS
    work = tmp_path / 'work'
    result = run(
        'train.py',
        config,
        '--data-root',
        synthetic_release,
        '--work-dir',
        work,
        '--cfg-options',
        *options,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert 'Epoch(train) [1][1/1]' in log  # one iteration: 2 scenes, batch 8
    saved = torch.load(work / 'epoch_1.pth', weights_only=True)
    assert saved['meta']['iter'] == 1
    if config == TINY:
        result = run(
            'test.py',
            config,
            work / 'epoch_1.pth',
            '--data-root',
            synthetic_release,
            '--work-dir',
            work,
            '--cfg-options',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert 'coco/bbox_mAP' in result.stdout + result.stderr


def test_bad_data_and_infer_mistakes_are_one_line(synthetic_release, tmp_path):
    broken = tmp_path / 'broken'
    broken.mkdir()
    (broken / 'xView_train.geojson').write_text('{"type": "FeatureCollection"')
    line = one_line_error(
        run('train.py', TINY, '--data-root', broken, cwd=tmp_path)
    )
    assert 'xView_train.geojson' in line and 'data/xview/' not in line
    scene = sorted((synthetic_release / 'train_images').iterdir())[0]
    line = one_line_error(
        run(
            'infer.py',
            tmp_path / 'nope.py',
            'x.pth',
            scene,
            '--out',
            'o',
            cwd=tmp_path,
        )
    )
    assert 'nope.py: no such config file' in line
    line = one_line_error(
        run(
            'infer.py',
            TINY,
            'x.pth',
            tmp_path / 'no.tif',
            '--out',
            'o',
            cwd=tmp_path,
        )
    )
    assert 'no.tif: no such GeoTIFF file or folder' in line
