"""The options the model layer's command lines share, as mmdet's tools
spell them."""

from __future__ import annotations

import argparse

from mmengine.config import DictAction

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
