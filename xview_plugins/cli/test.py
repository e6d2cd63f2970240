"""Test (and evaluate) a checkpoint with mmengine's runner:

python tools/test.py CONFIG CHECKPOINT [--out R.pkl] [--show-dir D]
    [--onnx F.onnx] [--data-root DIR] [--cfg-options K=V ...]
"""

from __future__ import annotations

import argparse
from typing import Optional, Sequence

from mmengine.config import Config
from mmengine.runner import Runner

from ..utils.config import ConfigError, build_runner
from .arguments import (
    add_data_root_argument,
    add_runner_arguments,
    load_config_of,
)
from .errors import exit_code_of


def test_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save the evaluation metrics'
    )
    add_data_root_argument(parser)
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
        '--onnx',
        help=(
            'run the network from this file (tools/deploy/export_onnx.py) with'
            ' ONNX Runtime; the checkpoint still gives the class names'
        ),
    )
    add_runner_arguments(parser, 'test_dataloader.batch_size=4')
    return parser


def prepare_test_config(args: argparse.Namespace) -> Config:
    """The config a test command line runs: the checkpoint to load, the
    network from ``--onnx`` under ONNX Runtime, mmdet's drawing hook for
    ``--show`` / ``--show-dir``."""
    cfg = load_config_of(args)
    cfg.load_from = args.checkpoint
    if getattr(args, 'onnx', None):
        from ..apis.onnx_export import onnxruntime_model_config

        cfg.model = onnxruntime_model_config(cfg.model, args.onnx)
    if args.show or args.show_dir:
        from mmdet.engine.hooks.utils import trigger_visualization_hook

        cfg = trigger_visualization_hook(cfg, args)
    return cfg


def add_prediction_dump(runner: Runner, out: Optional[str]) -> None:
    """``--out R.pkl``: mmdet's ``DumpDetResults`` added to the runner's
    test metrics (a ``.pkl`` file that is none of the run's inputs)."""
    if out is not None:
        if not out.endswith(('.pkl', '.pickle')):
            raise ConfigError(f'--out must be a .pkl file, got {out}')
        from xview_data.io import ensure_not_input

        ensure_not_input(out, runner.cfg.filename, runner.cfg.load_from)
        from mmdet.evaluation import DumpDetResults

        runner.test_evaluator.metrics.append(DumpDetResults(out_file_path=out))


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = test_arg_parser().parse_args(argv)

    def work() -> None:
        runner = build_runner(prepare_test_config(args))
        add_prediction_dump(runner, args.out)
        runner.test()

    return exit_code_of(
        work, 'test', args.config, args.work_dir or 'the work dir'
    )
