"""What ``tools/train.py`` and ``tools/test.py`` do to a config before the
Runner runs it: mmdetection's command-line semantics, the safe checkpoint
loader, and gloo on CPU machines.
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys
import warnings
from typing import Callable, Optional

import torch
from mmengine.config import Config, DictAction

from ..engine.distributed import init_cpu_process_group
from ..utils.checkpoint import register_safe_checkpoint_loader

LAUNCHERS = ['none', 'pytorch', 'slurm', 'mpi']


def train_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description='Train a detector or classifier'
    )
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision (GPU)'
    )
    parser.add_argument(
        '--auto-scale-lr', action='store_true', help='scale LR by batch size'
    )
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help=(
            'resume from CKPT, or from the latest checkpoint of the work dir '
            'when no CKPT is given'
        ),
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings, e.g. train_cfg.max_epochs=2',
    )
    parser.add_argument(
        '--launcher', choices=LAUNCHERS, default='none', help='job launcher'
    )
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser


def test_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save the evaluation metrics'
    )
    parser.add_argument(
        '--out', help='dump predictions to a pickle file (.pkl)'
    )
    parser.add_argument(
        '--show', action='store_true', help='show predictions in a window'
    )
    parser.add_argument(
        '--show-dir', help='folder (under the work dir) for drawn predictions'
    )
    parser.add_argument(
        '--wait-time', type=float, default=2, help='seconds between --show'
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings, e.g. test_dataloader.batch_size=4',
    )
    parser.add_argument(
        '--launcher', choices=LAUNCHERS, default='none', help='job launcher'
    )
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser


def load_config(
    config: str,
    work_dir: Optional[str],
    cfg_options: Optional[dict],
    launcher: str,
) -> Config:
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join(
            './work_dirs', osp.splitext(osp.basename(config))[0]
        )
    # Everything else a run needs (plugins, plain and atomic checkpoints, the
    # CPU-capable DDP wrapper) is in the config itself
    # (configs/_base_/default_runtime.py), so a plain Runner.from_cfg(cfg) runs
    # it the same way.
    register_safe_checkpoint_loader()
    init_cpu_process_group(launcher)
    return cfg


def prepare_train_config(args: argparse.Namespace) -> Config:
    cfg = load_config(
        args.config, args.work_dir, args.cfg_options, args.launcher
    )
    if args.amp:
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
        else:
            warnings.warn(
                '--amp needs a CUDA device; training in float32 on the CPU'
            )
    if args.auto_scale_lr:
        if (
            'auto_scale_lr' not in cfg
            or 'base_batch_size' not in cfg.auto_scale_lr
        ):
            raise RuntimeError(
                '--auto-scale-lr needs auto_scale_lr.base_batch_size in the'
                ' config'
            )
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def prepare_test_config(args: argparse.Namespace) -> Config:
    cfg = load_config(
        args.config, args.work_dir, args.cfg_options, args.launcher
    )
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        from mmdet.engine.hooks.utils import trigger_visualization_hook

        cfg = trigger_visualization_hook(cfg, args)
    return cfg


def build_runner(cfg: Config):
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    return (
        Runner.from_cfg(cfg)
        if 'runner_type' not in cfg
        else RUNNERS.build(cfg)
    )


def add_prediction_dump(runner, out: Optional[str]) -> None:
    if out is not None:
        if not out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must be a .pkl file, got {out}')
        from mmdet.evaluation import DumpDetResults

        runner.test_evaluator.metrics.append(DumpDetResults(out_file_path=out))


# Deprecation notices of the pinned stack that a user can do nothing about:
# setuptools' pkg_resources (imported by mmengine to resolve `mmdet::`
# configs), mmdet's use of torch.cuda.amp.autocast and of torch.meshgrid
# without `indexing`.
THIRD_PARTY_NOTICES = (
    dict(message='pkg_resources is deprecated', category=UserWarning),
    dict(message=r'`torch\.cuda\.amp\.autocast', category=FutureWarning),
    dict(
        message='torch.meshgrid: in an upcoming release', category=UserWarning
    ),
)


def quiet_third_party_notices() -> None:
    """Hide :data:`THIRD_PARTY_NOTICES` for the rest of the process (called by
    the tools' entry points, never on import)."""
    for notice in THIRD_PARTY_NOTICES:
        warnings.filterwarnings('ignore', **notice)


def exit_code_of(work: Callable[[], None]) -> int:
    """Run a tool's work: 0 when it succeeds; a user error (a checkpoint that
    is missing, corrupt, unsafe or does not fit the model) becomes one line on
    stderr and exit code 2, without a traceback. Programming errors keep
    theirs."""
    from ..utils import CheckpointError

    quiet_third_party_notices()
    try:
        work()
    except CheckpointError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    return 0
