"""Two-process DDP training on the CPU (gloo), and resuming a run killed with
SIGKILL."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import torch

from tests.conftest import ROOT, run_tool

# end to end (training, processes, installs): deselected by
# -m "not slow"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def loader_options(root):
    options = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [
            f'{loader}.dataset.data_root={root}',
            f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False',
        ]
    return options


def test_two_process_ddp_on_the_cpu_keeps_both_ranks_identical(
    synthetic_release, tmp_path
):
    config = tmp_path / 'ddp_config.py'
    config.write_text(f"""
_base_ = ['{ROOT / 'configs' / 'classification' / 'ffnn_base.py'}']
custom_imports = dict(
    imports=['xview_plugins', 'tests.tools.state_dump_hooks'],
    allow_failed_imports=False)
custom_hooks = [dict(type='ClassWeightsHook'),
                dict(type='ConfusionMatrixHook'),
                dict(type='DumpRankWeightsHook')]
model = dict(backbone=dict(model=2, batch_norm=True, dropout=0.2))
""")
    work = tmp_path / 'work'
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        OMP_NUM_THREADS='1',
        PY=sys.executable,
        PORT=str(free_port()),
    )
    result = subprocess.run(
        [
            'bash',
            str(ROOT / 'tools' / 'dist_train.sh'),
            str(config),
            '2',
            '--work-dir',
            str(work),
            '--cfg-options',
            *loader_options(f'{synthetic_release}/recognition/'),
            'train_dataloader.dataset.max_per_class=12',
            'train_dataloader.batch_size=8',
            'train_cfg.max_epochs=2',
            'randomness.seed=0',
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:]
    )
    ranks = [
        torch.load(work / f'rank{r}.pth', weights_only=True) for r in (0, 1)
    ]
    assert ranks[0].keys() == ranks[1].keys()
    for key in ranks[0]:
        assert torch.equal(ranks[0][key], ranks[1][key]), key
    # both ranks trained: every weight matrix moved away from where training
    # started
    assert 'Epoch(train) [2]' in result.stdout + result.stderr
    start = torch.load(work / 'rank0_start.pth', weights_only=True)
    moved = [
        key for key in start if not torch.equal(start[key], ranks[0][key])
    ]
    assert [
        k for k in start if k.endswith('weight') and start[k].dim() > 1
    ] and all(
        k in moved
        for k in start
        if k.endswith('weight') and start[k].dim() > 1
    ), moved


def test_a_run_killed_after_a_checkpoint_resumes_where_it_stopped(
    synthetic_release, tmp_path
):
    config = tmp_path / 'resume_config.py'
    config.write_text(f"""
_base_ = ['{ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py'}']
custom_imports = dict(
    imports=['xview_plugins', 'tests.tools.state_dump_hooks'],
    allow_failed_imports=False)
default_hooks = dict(param_scheduler=dict(warmup_epochs=1.0))
custom_hooks = [
    dict(type='EMAHook', ema_type='ExpMomentumEMA', momentum=0.0001,
         gamma=2000, update_buffers=True, priority=49),
    dict(type='DumpStartStateHook')]
""")
    root = f'{synthetic_release}/'
    options = [
        f'train_dataloader.dataset.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        'train_dataloader.batch_size=2',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'train_cfg.max_epochs=20',
        'train_cfg.val_interval=100',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.checkpoint.max_keep_ckpts=3',
        'randomness.seed=0',
    ]
    work = tmp_path / 'work'
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [
        sys.executable,
        str(ROOT / 'tools' / 'train.py'),
        str(config),
        '--work-dir',
        str(work),
        '--cfg-options',
        *options,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 300
        while not (work / 'epoch_1.pth').exists() and time.time() < deadline:
            assert process.poll() is None, (
                'training ended before its first checkpoint'
            )
            time.sleep(0.5)
        assert (work / 'epoch_1.pth').exists(), (
            'no checkpoint within 5 minutes'
        )
        time.sleep(
            1.0
        )  # into epoch 2: the kill lands mid-epoch, after the checkpoint
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    last = (work / 'last_checkpoint').read_text().strip()
    saved = torch.load(last, weights_only=True)
    log = run_tool(
        'train.py',
        str(config),
        '--work-dir',
        work,
        '--resume',
        '--cfg-options',
        *options,
        'train_cfg.max_epochs=' + str(saved['meta']['epoch'] + 1),
        env=env,
    )  # the config imports a test-only hook module from tests/
    assert f'resumed epoch: {saved["meta"]["epoch"]}' in log
    start = torch.load(work / 'start_state.pth', weights_only=True)
    assert (
        start['iter'] == saved['meta']['iter'] > 0
        and start['epoch'] == saved['meta']['epoch']
    )
    assert start['lr'] == [g['lr'] for g in saved['optimizer']['param_groups']]
    for key, state in saved['optimizer']['state'].items():
        for name, value in state.items():
            if torch.is_tensor(value):
                assert torch.equal(
                    start['optimizer']['state'][key][name], value
                ), (key, name)
    # EMAHook saves the averaged weights as 'state_dict' (the raw ones as
    # 'ema_state_dict')
    ema = {
        k[len('module.') :]: v
        for k, v in start['ema'].items()
        if k.startswith('module.')
    }
    assert ema.keys() == saved['state_dict'].keys()
    for key, value in saved['state_dict'].items():
        assert torch.equal(ema[key], value), key
    # and training went on from there: one more epoch was saved
    resumed = torch.load(
        work / f'epoch_{saved["meta"]["epoch"] + 1}.pth', weights_only=True
    )
    assert resumed['meta']['iter'] > saved['meta']['iter']
