"""End to end through the command-line tools: convert, train, save, resume, test, infer."""
import json
import re
import subprocess
import sys

import pytest
import torch

from tests.conftest import ROOT

CONFIG = str(ROOT / 'configs' / 'rtmdet-tiny_synthetic-xview.py')


def run_tool(name, *args, timeout=600):
    result = subprocess.run([sys.executable, str(ROOT / 'tools' / name), *map(str, args)],
                            capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def data_options(chips):
    options = [f'train_dataloader.dataset.data_root={chips}/',
               f'val_dataloader.dataset.data_root={chips}/',
               f'test_dataloader.dataset.data_root={chips}/',
               f'val_evaluator.ann_file={chips}/val.json',
               f'test_evaluator.ann_file={chips}/val.json', 'train_dataloader.batch_size=2']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [f'{loader}.num_workers=0', f'{loader}.persistent_workers=False']
    return options


@pytest.fixture(scope='module')
def chips(synthetic_release, tmp_path_factory):
    out = tmp_path_factory.mktemp('smoke') / 'chips'
    run_tool('convert_annotations.py', synthetic_release / 'xView_train.geojson', out, '--from',
             'xview', '--to', 'coco', '--images', synthetic_release / 'train_images',
             '--chip-size', 512, '--val-fraction', 0.3, '--no-progress')
    return out


def test_train_save_resume_test_and_infer(chips, synthetic_release, tmp_path):
    work = tmp_path / 'work'
    options = data_options(chips)
    run_tool('train.py', CONFIG, '--work-dir', work, '--cfg-options', *options,
             'train_cfg.max_epochs=2', 'train_cfg.val_interval=5',
             'default_hooks.checkpoint.interval=1')
    checkpoint = work / 'epoch_2.pth'
    saved = torch.load(checkpoint, weights_only=True)  # plain types only
    assert saved['meta']['epoch'] == 2 and 'ema_state_dict' in saved
    log = run_tool('train.py', CONFIG, '--work-dir', work, '--resume', '--cfg-options', *options,
                   'train_cfg.max_epochs=3', 'train_cfg.val_interval=5',
                   'default_hooks.checkpoint.interval=1')
    assert 'resumed epoch: 2' in log
    resumed = torch.load(work / 'epoch_3.pth', weights_only=True)
    assert resumed['meta']['epoch'] == 3 and resumed['meta']['iter'] > saved['meta']['iter']
    out = run_tool('test.py', CONFIG, work / 'epoch_3.pth', '--work-dir', work, '--out',
                   work / 'preds.pkl', '--cfg-options', *options,
                   'model.test_cfg.score_thr=0.0')  # an untrained model: keep every box
    assert re.search(r'coco/bbox_mAP: \d\.\d+', out)
    assert (work / 'preds.pkl').is_file()
    scene = json.loads((chips / 'summary.json').read_text())['scenes']['val'][0]
    run_tool('infer.py', CONFIG, work / 'epoch_3.pth',
             synthetic_release / 'train_images' / scene, '--out', work / 'scenes')
    assert (work / 'scenes' / scene.replace('.tif', '.png')).stat().st_size > 1000
    assert json.loads((work / 'scenes' / scene.replace('.tif', '.json')).read_text())['image']
