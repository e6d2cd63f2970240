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
               f'test_evaluator.ann_file={chips}/val.json', 'train_dataloader.batch_size=2',
               'randomness.seed=0']
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


def test_yolov7_tiny_trains_from_the_geojson_and_tests_and_infers(synthetic_release, tmp_path):
    config = str(ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py')
    root = f'{synthetic_release}/'
    options = [f'train_dataloader.dataset.dataset.data_root={root}',
               f'val_dataloader.dataset.data_root={root}', f'test_dataloader.dataset.data_root={root}',
               'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
               'val_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
               'test_dataloader.persistent_workers=False', 'train_cfg.max_epochs=1',
               'train_cfg.val_interval=1', 'custom_hooks.0.max_epochs=1',
               'default_hooks.checkpoint.interval=1',
               # After one epoch the objectness can sit below the default 0.001 everywhere;
               # keep every box so that the metric always has predictions to score.
               'model.test_cfg.score_thr=0.0']
    work = tmp_path / 'work'
    log = run_tool('train.py', config, '--work-dir', work, '--cfg-options', *options)
    assert 'loss_obj' in log and 'coco/bbox_mAP' in log
    saved = torch.load(work / 'epoch_1.pth', weights_only=True)
    assert 'ema_state_dict' in saved
    out = run_tool('test.py', config, work / 'epoch_1.pth', '--work-dir', work, '--cfg-options',
                   *options, 'model.deploy=True')  # fused BN and RepConv at test time
    assert re.search(r'coco/bbox_mAP: \d\.\d+', out)
    scene = sorted((synthetic_release / 'train_images').iterdir())[0]
    run_tool('infer.py', config, work / 'epoch_1.pth', scene, '--out', work / 'scenes',
             '--tile-size', 320, '--overlap', 32)
    assert (work / 'scenes' / scene.with_suffix('.png').name).is_file()


def test_classifier_trains_keeps_the_best_checkpoint_and_plots_the_confusion_matrix(
        synthetic_release, tmp_path):
    config = str(ROOT / 'configs' / 'classification' / 'ffnn_base.py')
    root = f'{synthetic_release}/recognition/'
    options = [f'train_dataloader.dataset.data_root={root}', f'val_dataloader.dataset.data_root={root}',
               f'test_dataloader.dataset.data_root={root}', 'model.backbone.model=4',
               'train_dataloader.dataset.max_per_class=10', 'train_cfg.max_epochs=2']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [f'{loader}.num_workers=0', f'{loader}.persistent_workers=False']
    work = tmp_path / 'work'
    log = run_tool('train.py', config, '--work-dir', work, '--cfg-options', *options)
    assert 'cls/mean_recall' in log and 'spec.' in log  # the per-class table
    best = list(work.glob('best_cls_mean_accuracy_epoch_*.pth'))
    assert best and torch.load(best[0], weights_only=True)['meta']['epoch'] >= 1
    assert list(work.glob('*/confusion_matrix.png'))
    out = run_tool('test.py', config, best[0], '--work-dir', work, '--cfg-options', *options)
    assert re.search(r'cls/mean_accuracy: \d\.\d+', out)
    assert list(work.glob('*/confusion_matrix_test_*.png'))
