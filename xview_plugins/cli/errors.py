"""How every command line of the model layer ends: 0, or one ``error:`` line
and exit code 2 for a user's error (bad input, a config that cannot run, a
checkpoint that does not fit, the machine's errors), a traceback only for a
bug."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import warnings
from typing import Callable, Iterator, Optional

from ..utils.config import ConfigError

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

    from ..utils.checkpoint import CheckpointError

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
