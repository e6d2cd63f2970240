"""What ``tools/train.py`` and ``tools/test.py`` do to a config before the
Runner runs it: mmdetection's command-line semantics, the safe checkpoint
loader, and gloo on CPU machines.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os.path as osp
import re
import sys
import warnings
from typing import Callable, Iterator, Optional

import torch
from mmengine.config import Config, DictAction

from ..engine.distributed import init_cpu_process_group
from ..utils.checkpoint import register_safe_checkpoint_loader

LAUNCHERS = ['none', 'pytorch', 'slurm', 'mpi']


def add_runner_arguments(
    parser: argparse.ArgumentParser, example: str
) -> None:
    """``--cfg-options`` (``example``: one override), ``--launcher`` and
    ``--local-rank``, as mmdet's tools take them."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help=f'override settings, e.g. {example}',
    )
    parser.add_argument(
        '--launcher', choices=LAUNCHERS, default='none', help='job launcher'
    )
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


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


def add_data_root_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--data-root',
        metavar='DIR',
        help=(
            'data root of every dataset of the config (train, val, test, '
            'wrapped ones too), e.g. data/synthetic_xview'
        ),
    )


class ConfigError(ValueError):
    """A config, or a command-line setting of it, that cannot run: the
    message says what and what to do (the tools print it as one line)."""


def read_config(config: str) -> Config:
    """The config file, or :class:`ConfigError` when there is none."""
    if not osp.isfile(config):
        raise ConfigError(f'{config}: no such config file')
    return Config.fromfile(config)


def load_config(
    config: str,
    work_dir: Optional[str],
    cfg_options: Optional[dict],
    launcher: str,
    data_root: Optional[str] = None,
) -> Config:
    cfg = read_config(config)
    cfg.launcher = launcher
    if data_root is not None:
        set_data_root(cfg, data_root)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    check_dataloaders(cfg)
    check_model_test_cfg(cfg)
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


def check_model_test_cfg(cfg: Config) -> None:
    """Refuse a detector's ``test_cfg`` values that cannot work, whatever the
    detector (mmdet's own heads included), before anything is built
    (:func:`~xview_plugins.models.utils.check_test_cfg`)."""
    from ..models.utils import check_test_cfg

    model = cfg.get('model') or {}
    while isinstance(model, dict):
        if isinstance(model.get('test_cfg'), dict):
            check_test_cfg(model['test_cfg'])
        model = model.get('detector')


def check_dataloaders(cfg: Config) -> None:
    """Refuse dataloader settings torch would fail on deep in the run (e.g.
    ``--cfg-options train_dataloader.batch_size=-1``): ``batch_size`` a
    positive integer, ``num_workers`` a non-negative one."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key) or {}
        for name, least in (('batch_size', 1), ('num_workers', 0)):
            value = loader.get(name, least)
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or (value < least)
            ):
                raise ConfigError(
                    f'{cfg.filename}: {key}.{name} must be an integer of at'
                    f' least {least}, not {value!r}'
                )


def set_data_root(cfg: Config, data_root: str) -> None:
    """Point every dataset of the config at ``data_root``: each ``data_root``
    under the three dataloaders (wrapped datasets and dataset lists included),
    the config's top-level ``data_root``, and evaluator annotation files that
    lay under a replaced root. Configs interpolate ``data_root`` when they are
    read, so setting the top-level key alone would change nothing."""
    new_root = data_root.rstrip('/') + '/'
    old_roots = set()

    def visit(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get('data_root'), str):
                old_roots.add(node['data_root'])
                node['data_root'] = new_root
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value)

    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        visit(cfg.get(key))
    if isinstance(cfg.get('data_root'), str):
        old_roots.add(cfg.data_root)
        cfg.data_root = new_root
    prefixes = sorted((r for r in old_roots if r), key=len, reverse=True)
    for key in ('val_evaluator', 'test_evaluator'):
        evaluators = cfg.get(key)
        for evaluator in (
            evaluators if isinstance(evaluators, list) else [evaluators]
        ):
            ann_file = (evaluator or {}).get('ann_file')
            old = next(
                (r for r in prefixes if str(ann_file).startswith(r)), None
            )
            if isinstance(ann_file, str) and old is not None:
                evaluator['ann_file'] = new_root + ann_file[len(old) :]


def load_config_of(args: argparse.Namespace) -> Config:
    """:func:`load_config` with the options of a train or test command
    line."""
    return load_config(
        args.config,
        args.work_dir,
        args.cfg_options,
        args.launcher,
        args.data_root,
    )


def prepare_train_config(args: argparse.Namespace) -> Config:
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


# ``--amp`` swaps each optimizer wrapper for its mixed-precision form, so that
# the configured behaviour stays (mmdet's train.py swaps only OptimWrapper).
AMP_WRAPPERS = {
    'OptimWrapper': 'AmpOptimWrapper',
    'SumAccumulateOptimWrapper': 'SumAccumulateAmpOptimWrapper',
}


def enable_amp(cfg: Config) -> None:
    """Mixed precision for ``cfg``'s optimizer wrapper, keeping what it does
    (the YOLOv7 recipe's summed accumulation included); a wrapper that has no
    mixed-precision form is a :class:`ConfigError`. On a machine without CUDA
    the config trains in float32, with a warning."""
    from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS

    wrapper = cfg.optim_wrapper
    # The wrapper a config without ``type`` gets is its constructor's
    # default (mmengine's: OptimWrapper).
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.get(
        wrapper.get('constructor', 'DefaultOptimWrapperConstructor')
    )
    kind = wrapper.get(
        'type', getattr(constructor, 'default_wrapper', 'OptimWrapper')
    )
    if kind not in AMP_WRAPPERS and kind not in AMP_WRAPPERS.values():
        raise ConfigError(
            f'{cfg.filename}: --amp: optim_wrapper type {kind} has no '
            f'mixed-precision form (--amp takes {", ".join(AMP_WRAPPERS)} '
            'or an AMP wrapper); set it to one of them or train without --amp'
        )
    if not torch.cuda.is_available():
        warnings.warn(
            '--amp needs a CUDA device; training in float32 on the CPU'
        )
        return
    wrapper.type = AMP_WRAPPERS.get(kind, kind)
    wrapper.setdefault('loss_scale', 'dynamic')


def prepare_test_config(args: argparse.Namespace) -> Config:
    cfg = load_config_of(args)
    cfg.load_from = args.checkpoint
    if getattr(args, 'onnx', None):
        from .onnx_export import onnxruntime_model_config

        cfg.model = onnxruntime_model_config(cfg.model, args.onnx)
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
            raise ConfigError(f'--out must be a .pkl file, got {out}')
        from xview_data.io import ensure_not_input

        ensure_not_input(out, runner.cfg.filename, runner.cfg.load_from)
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


def missing_data_hint(tool: str, config: str) -> str:
    """What to do when a config's data is not on the machine."""
    return (
        'The xView release goes in data/xview/ (xView_train.geojson and '
        'train_images/ from xviewdataset.org); point the config at another '
        f'folder with --data-root DIR, or run it on the synthetic release: '
        'python tools/make_synthetic_xview.py data/synthetic_xview && '
        f'python tools/{tool}.py {config} '
        f'{"CHECKPOINT " if tool == "test" else ""}'
        '--data-root data/synthetic_xview'
    )


@contextlib.contextmanager
def machine_errors_stop_logging() -> Iterator[None]:
    """Let a log handler's :class:`OSError` (the work dir's disk full, its
    folder made read-only) end the run: ``logging`` would print a traceback
    per record and train on without its log and checkpoints."""
    original = logging.Handler.handleError

    def handle_error(handler, record) -> None:
        err = sys.exc_info()[1]
        if isinstance(err, OSError) and err.errno:
            raise err
        original(handler, record)

    logging.Handler.handleError = handle_error
    try:
        yield
    finally:
        logging.Handler.handleError = original


def exit_code_of(
    work: Callable[[], None],
    tool: str = 'train',
    config: str = 'CONFIG',
    target: Optional[str] = None,
) -> int:
    """Run a tool's work: 0 when it succeeds. A user error becomes one line on
    stderr and exit code 2, without a traceback: missing data (with where it
    goes and how to run on the synthetic release instead), bad input data, a
    config or setting that cannot run (no such file, an unknown type), a
    checkpoint that is missing, corrupt, unsafe or does not fit the model, and
    the machine's errors (a full disk, a read-only folder, a symlink loop:
    ``target`` names the output when the error names no file). Programming
    errors keep their traceback."""
    from xview_data.errors import (
        InputError,
        MissingInputError,
        environment_error_message,
    )

    from ..utils import CheckpointError

    quiet_third_party_notices()
    try:
        with machine_errors_stop_logging():
            work()
    except MissingInputError as err:
        message = str(err)
        if tool in ('train', 'test'):
            message += f'. {missing_data_hint(tool, config)}'
    except (CheckpointError, InputError, ConfigError) as err:
        message = str(err)
    except OSError as err:
        message = environment_error_message(err, target)
    except TypeError as err:
        # a setting the module does not take (a misspelt or unknown model
        # argument in the config or --cfg-options); other TypeErrors are bugs
        if not re.search(
            r'(__init__\(\) got an unexpected keyword argument|__init__\(\)'
            r' missing \d+ required)',
            str(err),
        ):
            raise
        message = (
            f'{config}: {err}; check the setting names of that module (the'
            ' config, --cfg-options)'
        )
    except KeyError as err:
        if 'registry' not in str(err):
            raise
        # mmengine's message for an unknown `type`, nested builds included
        text = str(err).strip('"\'').split('. Please check')[0]
        message = (
            f'{config}: {text}; check the type name and that custom_imports '
            'lists the module that registers it'
        )
    else:
        return 0
    print('error: ' + ' '.join(message.split()), file=sys.stderr)
    return 2
