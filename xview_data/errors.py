"""Errors in what a user gave us (files, lines, features, options): the message
names the input and what is wrong, and the tools print it as one line."""

from __future__ import annotations

from pathlib import Path
from typing import Union


class InputError(ValueError):
    """Bad input: the message names the file (line, feature) and the
    problem."""


class MissingInputError(InputError):
    """An input file or folder that does not exist."""


def unreadable(
    path: Union[str, Path], err: Exception, what: str = 'annotation file'
) -> InputError:
    """The error for a file that cannot be read: :class:`MissingInputError`
    when it does not exist, :class:`InputError` otherwise."""
    missing = isinstance(err, FileNotFoundError)
    kind = MissingInputError if missing else InputError
    reason = getattr(err, 'strerror', None) or err
    return kind(f'{path}: cannot read {what} ({reason})')
