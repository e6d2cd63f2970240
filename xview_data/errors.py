"""Errors in what a user gave us (files, lines, features, options): the message
names the input and what is wrong, and the tools print it as one line."""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import Callable, Optional, Union


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


# What the environment, not the program, gets wrong, with what to do about it.
_ENVIRONMENT_HINTS = {
    errno.ENOSPC: 'the disk is full; free space or write elsewhere',
    errno.EDQUOT: 'the disk quota is used up; free space or write elsewhere',
    errno.EROFS: 'a read-only file system; write elsewhere',
    errno.EACCES: 'permission denied; check the rights or write elsewhere',
    errno.EPERM: 'not permitted; check the rights or write elsewhere',
    errno.ELOOP: 'a loop of symbolic links; fix the link or write elsewhere',
    errno.EEXIST: 'it exists; choose another path',
    errno.ENOTDIR: 'a file stands where a folder is needed',
    errno.EISDIR: 'a folder stands where a file is needed',
    errno.ENAMETOOLONG: 'the name is too long for the file system',
}


def environment_error_message(
    err: OSError, target: Optional[Union[str, Path]] = None
) -> str:
    """One line for an :class:`OSError` the machine raised (full disk,
    read-only or forbidden folder, symlink loop, a file where a folder is
    needed): the path it concerns (the error's own, else ``target``, the
    output being written) and what to do. An error without an errno is one
    of the package's own refusals (a non-empty or locked OUT): its text."""
    if not err.errno:
        return str(err)
    path = err.filename or target or 'the output'
    reason = _ENVIRONMENT_HINTS.get(err.errno) or (err.strerror or str(err))
    second = f' -> {err.filename2}' if err.filename2 else ''
    return f'{path}{second}: {reason} ({err.strerror or type(err).__name__})'


def exit_code(
    work: Callable[[], int], target: Optional[Union[str, Path]] = None
) -> int:
    """Run a data tool's ``work``: its exit code, or 2 with one ``error:``
    line on stderr for bad input (:class:`ValueError`, the
    :class:`InputError` family) and for the environment's errors
    (:func:`environment_error_message`; ``target``: the tool's output)."""
    try:
        return work()
    except OSError as err:
        message = environment_error_message(err, target)
    except ValueError as err:
        message = str(err)
    print('error: ' + ' '.join(message.split()), file=sys.stderr)
    return 2
