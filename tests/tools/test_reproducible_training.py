"""A seeded training repeats itself on the same machine (the README's
"identical" is this, and only this: another CPU runs other kernels)."""

import json

import pytest

from tests.conftest import LOADERS_IN_PROCESS, ROOT, run_tool

# end to end (training, processes, installs): deselected by
# -m "not slow"
pytestmark = pytest.mark.slow


def train_losses(synthetic_release, work, seed: int) -> list:
    """The demo config for 2 short epochs on the small synthetic release:
    every logged value of every iteration, in order."""
    root = f'{synthetic_release}/'
    run_tool(
        'train.py',
        ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py',
        '--work-dir',
        work,
        '--data-root',
        root,
        '--cfg-options',
        *LOADERS_IN_PROCESS,
        'train_dataloader.batch_size=4',
        'train_cfg.max_epochs=2',
        'train_cfg.val_interval=100',
        'default_hooks.logger.interval=1',
        f'randomness.seed={seed}',
    )
    (scalars,) = work.glob('*/vis_data/scalars.json')
    rows = [json.loads(line) for line in scalars.read_text().splitlines()]
    return [
        (r['step'], r['loss'], r['loss_bbox'], r['loss_obj'], r['loss_cls'])
        for r in rows
        if 'loss' in r
    ]


def test_a_seeded_rerun_gives_the_same_losses(synthetic_release, tmp_path):
    first = train_losses(synthetic_release, tmp_path / 'first', 0)
    again = train_losses(synthetic_release, tmp_path / 'again', 0)
    assert len(first) >= 4
    # same machine, same kernels, same seed: bit for bit
    assert again == first
    # and the seed is what fixes them (augmentations, sampling, weights)
    assert train_losses(synthetic_release, tmp_path / 'other', 1) != first
