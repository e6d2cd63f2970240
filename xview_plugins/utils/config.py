"""Reading and checking a config before mmengine's Runner runs it: the
settings the tools' options change (data root, ``--cfg-options``, work dir,
mixed precision), refused in one line when they cannot run."""

from __future__ import annotations

import itertools
import os.path as osp
import time
import warnings
from typing import Optional

import torch
from mmengine.config import Config


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
    work_dir: Optional[str] = None,
    cfg_options: Optional[dict] = None,
    launcher: str = 'none',
    data_root: Optional[str] = None,
) -> Config:
    """``config`` with the tools' settings applied (``data_root`` for every
    dataset, ``cfg_options`` merged, ``work_dir`` or ``./work_dirs/<config
    name>``) and checked (:func:`check_dataloaders`,
    :func:`check_model_test_cfg`). Everything else a run needs (plugins, plain
    and atomic checkpoints, the CPU-capable DDP wrapper) is in the config
    itself (configs/_base_/default_runtime.py), so a plain
    ``Runner.from_cfg(cfg)`` runs it the same way."""
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
    positive integer, ``num_workers`` a non-negative one, and
    ``persistent_workers`` only with workers."""
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
        if loader.get('persistent_workers') and not loader.get('num_workers'):
            raise ConfigError(
                f'{cfg.filename}: {key}.persistent_workers needs num_workers'
                f' above 0; set {key}.persistent_workers=False with'
                ' num_workers=0'
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


# runs of this process so far (see name_run)
_RUN_COUNT = itertools.count(1)


def name_run(cfg: Config, name: Optional[str] = None) -> None:
    """Give a run its own experiment and visualizer names when it shares the
    process with others (a notebook, the study's runner, the tests): mmengine
    keys its logger, message hub and visualizer by name, and its default
    experiment name (``<config>_<second>``) repeats within a second, which
    would send one run's log lines and scalars to another's streams. The
    first run of a process keeps mmengine's default (the same on every
    rank), unless ``name`` is given."""
    run = next(_RUN_COUNT)
    if name is None and (run == 1 or cfg.get('experiment_name')):
        return
    stem = osp.splitext(osp.basename(cfg.filename or 'config'))[0]
    cfg.experiment_name = (
        f'{name or stem}_{time.strftime("%Y%m%d_%H%M%S")}'
        + ('' if name else f'_run{run}')
    )
    if cfg.get('visualizer'):
        cfg.visualizer.name = cfg.experiment_name


def build_runner(cfg: Config):
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    return (
        Runner.from_cfg(cfg)
        if 'runner_type' not in cfg
        else RUNNERS.build(cfg)
    )
