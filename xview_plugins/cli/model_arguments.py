"""The start every model command line shares: a config and a checkpoint."""

from __future__ import annotations

import argparse


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
