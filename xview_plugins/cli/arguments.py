"""The options the model layer's command lines share, as mmdet's tools
spell them."""

from __future__ import annotations

import argparse

from mmengine.config import Config, DictAction

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


def add_data_root_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--data-root',
        metavar='DIR',
        help=(
            'data root of every dataset of the config (train, val, test, '
            'wrapped ones too), e.g. data/synthetic_xview'
        ),
    )


def model_argument_parser(description: str) -> argparse.ArgumentParser:
    """A parser with ``config`` and ``checkpoint`` positionals and
    ``description`` shown as written."""
    parser = argparse.ArgumentParser(
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('config', help='the model config file')
    parser.add_argument('checkpoint', help='the trained weights')
    return parser


def add_renamed_options(
    parser: argparse.ArgumentParser, *options: tuple[str, type]
) -> None:
    """Hidden options under their old names (``('--overlap', int)``), kept
    one release: :func:`resolve_renamed_options` moves them to the new ones
    with a warning."""
    for flag, kind in options:
        parser.add_argument(flag, type=kind, help=argparse.SUPPRESS)


def resolve_renamed_options(
    tool: str, args: argparse.Namespace, **renamed: str
) -> None:
    """Move each old option (``old_dest='new_dest'``) given on the command
    line to its new name, with a warning; both given is an error (one
    line)."""
    from xview_data.deprecation import renamed_setting

    for old, new in renamed.items():
        value = renamed_setting(
            tool,
            '--' + old.replace('_', '-'),
            '--' + new.replace('_', '-'),
            getattr(args, old),
            getattr(args, new),
        )
        setattr(args, new, value)
        setattr(args, old, None)


def load_config_of(args: argparse.Namespace) -> Config:
    """:func:`~xview_plugins.utils.config.load_config` with the options of a
    train or test command line, and what the run needs beside the config: the
    safe checkpoint loader and, on a CPU machine, gloo."""
    from ..engine.distributed import init_cpu_process_group
    from ..utils.checkpoint import register_safe_checkpoint_loader
    from ..utils.config import load_config, name_run

    cfg = load_config(
        args.config,
        args.work_dir,
        args.cfg_options,
        args.launcher,
        args.data_root,
    )
    name_run(cfg)
    register_safe_checkpoint_loader()
    init_cpu_process_group(args.launcher)
    return cfg
