"""Train with mmengine's runner:

python tools/train.py CONFIG [--work-dir D] [--resume [CKPT]] [--amp]
    [--data-root DIR] [--cfg-options K=V ...] [--launcher pytorch]
"""

from __future__ import annotations

import argparse
from typing import Optional, Sequence

from mmengine.config import Config

from ..utils.config import ConfigError, build_runner, enable_amp
from .arguments import (
    add_data_root_argument,
    add_runner_arguments,
    load_config_of,
)
from .errors import exit_code_of


def train_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description='Train a detector or classifier'
    )
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    add_data_root_argument(parser)
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
    add_runner_arguments(parser, 'train_cfg.max_epochs=2')
    return parser


def prepare_train_config(args: argparse.Namespace) -> Config:
    """The config a train command line runs: ``--amp``, ``--auto-scale-lr``
    and ``--resume`` applied, a new run's ``load_from`` kept outside its own
    work dir (it writes and deletes checkpoints there)."""
    cfg = load_config_of(args)
    if args.amp:
        enable_amp(cfg)
    if args.auto_scale_lr:
        if (
            'auto_scale_lr' not in cfg
            or 'base_batch_size' not in cfg.auto_scale_lr
        ):
            raise ConfigError(
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
    if cfg.get('load_from') and not cfg.get('resume'):
        # a new run writes epoch_<n>.pth into its work dir and deletes the
        # oldest (max_keep_ckpts): the weights it starts from stay outside
        from xview_data.io import ensure_not_input

        ensure_not_input(cfg.work_dir, cfg.load_from)
    return cfg


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = train_arg_parser().parse_args(argv)
    return exit_code_of(
        lambda: build_runner(prepare_train_config(args)).train(),
        'train',
        args.config,
        args.work_dir or 'the work dir',
    )
