"""Checkpoints that load with ``torch.load(weights_only=True)``.

mmengine 0.10.7 pickles ``HistoryBuffer`` objects, numpy scalars, arrays and
dtypes (and, through numpy's dtype pickling, ``builtins.getattr``) into its
checkpoints, which torch >= 2.6 refuses to load by default. Rather than turning
``weights_only`` off, :func:`to_plain` turns a checkpoint into plain types
before it is saved (see
:class:`~xview_plugins.engine.hooks.PlainCheckpointHook`) and
:func:`restore_message_hub` rebuilds the ``HistoryBuffer`` objects after
loading. Local checkpoints are read through :func:`safe_load`, which
allow-lists a few harmless types (numpy arrays, scalars and dtypes,
``HistoryBuffer``) so that checkpoints written by a stock mmengine still load,
and refuses anything else with a message that names the offending global.
"""

from __future__ import annotations

import logging
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

logger = logging.getLogger(__name__)
_HISTORY_MARK = '__history_buffer__'


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: missing, empty, corrupt, unsafe, or
    not fitting the model. The message names the file and what is wrong (tools
    print it as one line).
    """


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """A checkpoint that needs more than plain types and harmless globals to
    load."""


def to_plain(value: Any) -> Any:
    """Tensors, numbers, strings, lists, tuples and dicts only
    (recursively)."""
    # Exact types: numpy's float64 subclasses float but pickles as a numpy
    # global.
    if (
        isinstance(value, torch.Tensor)
        or value is None
        or type(value) in (bool, int, float, str, bytes)
    ):
        return value
    if isinstance(value, HistoryBuffer):
        log, count = value.data
        return {
            _HISTORY_MARK: True,
            'log': [float(v) for v in log],
            'count': [float(v) for v in count],
            'max_length': int(value.max_length),
        }
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype):
        return str(value)
    if isinstance(value, OrderedDict) and type(value) is OrderedDict:
        return OrderedDict((k, to_plain(v)) for k, v in value.items())
    if isinstance(value, dict):
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_plain(v) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    logger.debug('checkpoint: storing %r as its repr', type(value))
    return repr(value)


def restore_message_hub(state: dict) -> dict:
    """Turn the plain form of ``HistoryBuffer`` entries back into objects (in
    place)."""
    scalars = state.get('log_scalars', {})
    for key, value in list(scalars.items()):
        if isinstance(value, dict) and value.get(_HISTORY_MARK):
            buffer = HistoryBuffer(max_length=value['max_length'])
            for log, count in zip(value['log'], value['count']):
                buffer.update(log, int(count))
            scalars[key] = buffer
    return state


def _harmless_globals() -> list:
    from numpy.core.multiarray import (
        _reconstruct,
        scalar,
    )  # numpy 2 keeps these aliases

    harmless = [np.ndarray, np.dtype, _reconstruct, scalar, HistoryBuffer]
    harmless += [
        type(np.dtype(t))
        for t in (
            'b',
            'B',
            'h',
            'H',
            'i',
            'I',
            'l',
            'L',
            'q',
            'Q',
            'e',
            'f',
            'd',
            '?',
            'U',
            'S',
            'O',
        )
    ]
    return harmless


def safe_load(path: str, map_location: Any = 'cpu') -> Any:
    """``torch.load(weights_only=True)`` plus the harmless globals. A missing,
    empty, truncated or corrupt file raises :class:`CheckpointError`; one that
    needs other globals raises :class:`UnsafeCheckpointError`; both name the
    file."""
    path = str(path)
    if not osp.isfile(path):
        raise CheckpointError(f'{path}: no such checkpoint file')
    if osp.getsize(path) == 0:
        raise CheckpointError(f'{path}: empty file, not a checkpoint')
    try:
        with torch.serialization.safe_globals(_harmless_globals()):
            return torch.load(
                path, map_location=map_location, weights_only=True
            )
    except pickle.UnpicklingError as err:
        found = re.search(r'GLOBAL ([\w.]+)', str(err))
        names = [found.group(1)] if found else _unexpected_globals(path)
        if (
            not names
        ):  # no foreign global: the stream itself is broken (or not a pickle)
            raise CheckpointError(
                f'{path}: corrupt or not a checkpoint ({_first_line(err)})'
            ) from err
        name = names[0]
        raise UnsafeCheckpointError(
            f"{path}: refusing to load: the file needs '{name}', which is not"
            ' a plain type; loading it could run arbitrary code. If you'
            ' created this file or trust its source, convert it once with'
            f' `python tools/resave_checkpoint.py {path} OUT.pth --trust` and'
            ' load OUT.pth instead.'
        ) from err
    except (
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
        KeyError,
        IndexError,
    ) as err:
        # torch's zip reader on a truncated or foreign file, a cut pickle
        # stream
        raise CheckpointError(
            f'{path}: corrupt or truncated checkpoint ({_first_line(err)})'
        ) from err


def _first_line(err: BaseException) -> str:
    lines = [line for line in str(err).splitlines() if line.strip()]
    text = lines[-1] if lines else type(err).__name__
    return text.strip()[:160]


def _unexpected_globals(path: str) -> list[str]:
    """Globals a pickle refers to beyond torch's own and the allow-list, found
    by reading its opcodes (nothing is executed)."""
    import pickletools
    import zipfile

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            member = next(
                (n for n in archive.namelist() if n.endswith('data.pkl')), None
            )
            data = archive.read(member) if member else b''
    else:
        with open(path, 'rb') as f:
            data = f.read()
    allowed = {f'{g.__module__}.{g.__qualname__}' for g in _harmless_globals()}
    names, strings = [], []
    try:
        for opcode, arg, _ in pickletools.genops(data):
            if opcode.name in ('SHORT_BINUNICODE', 'BINUNICODE', 'UNICODE'):
                strings.append(arg)
            elif opcode.name == 'GLOBAL':
                names.append(arg.replace(' ', '.'))
            elif opcode.name == 'STACK_GLOBAL' and len(strings) >= 2:
                names.append(f'{strings[-2]}.{strings[-1]}')
    except (
        Exception
    ):  # a truncated or foreign stream: report what was found so far
        pass
    return [
        n
        for n in names
        if not n.startswith(('torch.', 'collections.OrderedDict'))
        and n not in allowed
    ]


def resave_trusted(src: str, dst: str) -> None:
    """Load a trusted checkpoint with full unpickling and save it as plain
    types."""
    checkpoint = torch.load(src, map_location='cpu', weights_only=False)
    torch.save(to_plain(checkpoint), dst)


def load_from_local(filename: str, map_location: Any = None) -> Any:
    """A loader for mmengine's ``CheckpointLoader``: local paths through
    :func:`safe_load`, a bare state_dict wrapped as ``{'state_dict': ...}``
    (mmengine's hooks, EMA's among them, read that key), a file without
    weights refused (:func:`state_dict_of`)."""
    path = osp.expanduser(filename)
    checkpoint = safe_load(path, map_location)
    weights = state_dict_of(checkpoint, path)
    return checkpoint if weights is not checkpoint else {'state_dict': weights}


def register_safe_checkpoint_loader() -> None:
    """Make mmengine read local checkpoints (``load_from``, ``resume``,
    ``init_cfg``) through :func:`safe_load` for the rest of the process. The
    project's tools call it; importing the package does not. Without it
    mmengine's own loader runs ``torch.load`` with torch's default
    ``weights_only=True``, which loads this project's plain checkpoints as
    well; the safe loader adds the harmless globals of stock mmengine
    checkpoints and errors that name the file (:class:`CheckpointError`)."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True
    )


def state_dict_of(checkpoint: Any, source: str) -> dict:
    """The weights of a loaded checkpoint: its ``state_dict``, or the
    checkpoint itself when it is a bare state_dict (every value a tensor).
    Anything else (an EMA-only file, a pickled model, a list) is a
    :class:`CheckpointError` naming what the file holds."""
    if isinstance(checkpoint, dict):
        weights = checkpoint.get('state_dict')
        if isinstance(weights, dict):
            return weights
        if checkpoint and all(
            isinstance(v, torch.Tensor) for v in checkpoint.values()
        ):
            return checkpoint
        held = ', '.join(map(str, list(checkpoint)[:6])) or 'nothing'
        hint = (
            ' (EMA weights alone: save the model with its state_dict, e.g.'
            ' the checkpoints tools/train.py writes)'
            if any('ema' in str(k).lower() for k in checkpoint)
            else ''
        )
        raise CheckpointError(
            f"{source}: no 'state_dict' in the checkpoint (it holds"
            f' {held}){hint}'
        )
    raise CheckpointError(
        f'{source}: not a checkpoint of weights (it holds a'
        f' {type(checkpoint).__name__})'
    )


def check_state_dict_fits(
    model: torch.nn.Module, state_dict: dict, source: str
) -> None:
    """Refuse a checkpoint that does not hold every tensor of the model with
    its shape: one trained for another number of classes (mmengine would only
    warn and leave those layers untrained), an official YOLOv7 state_dict not
    yet converted, a file missing some layers. Keys are matched as loading
    matches them (``module.`` dropped, the wrapped detector of
    ``SlicedInference`` under ``detector.``)."""
    own = model.state_dict()
    mismatched, found = [], set()
    revised = revise_state_dict_keys(state_dict)
    for (key, value), target in zip(state_dict.items(), revised):
        if target not in own and f'detector.{target}' in own:
            target = f'detector.{target}'
        if target not in own:
            continue
        found.add(target)
        if hasattr(value, 'shape') and tuple(value.shape) != tuple(
            own[target].shape
        ):
            mismatched.append(
                (key, tuple(value.shape), tuple(own[target].shape))
            )
    if mismatched:
        key, saved, expected = mismatched[0]
        raise CheckpointError(
            f'{source}: the checkpoint does not fit the model: {key} is'
            f' {saved} in the checkpoint and {expected} in the model'
            f' ({len(mismatched)} tensors differ). Was it trained for another'
            ' number of classes (num_classes / the class map) or another'
            ' architecture? Use the config it was trained with.'
        )
    missing = [k for k in own if k not in found]
    if missing:
        official = any(
            re.match(r'(module\.)?model\.\d+\.', k) for k in state_dict
        )
        hint = (
            ' It holds an official YOLOv7 state_dict (model.<i>. keys):'
            ' convert it first with tools/convert_yolov7_weights.py.'
            if official
            else ' Use the config it was trained with.'
        )
        raise CheckpointError(
            f'{source}: the checkpoint does not fit the model: {len(missing)}'
            f" of the model's {len(own)} tensors are not in it (the first:"
            f' {missing[0]}); they would run untrained.{hint}'
        )


def revise_state_dict_keys(
    state_dict: Mapping[str, Any],
    revise_keys: Sequence[tuple[str, str]] = ((r'^module\.', ''),),
) -> OrderedDict:
    """``state_dict`` with every key rewritten by the ``(pattern,
    replacement)`` regular expressions in turn: mmengine's ``revise_keys``
    rule (by default the ``module.`` of a DDP-wrapped model is dropped)."""
    revised = OrderedDict(state_dict)
    for pattern, replacement in revise_keys:
        revised = OrderedDict(
            (re.sub(pattern, replacement, key), value)
            for key, value in revised.items()
        )
    return revised


def load_detector_checkpoint(model: torch.nn.Module, path: str) -> dict:
    """Load a checkpoint into ``model`` through :func:`safe_load`, refusing one
    whose tensors do not fit (:func:`check_state_dict_fits`); sets
    ``model.dataset_meta`` from the checkpoint's meta when it has one. Returns
    the checkpoint."""
    from mmengine.runner import load_state_dict

    checkpoint = safe_load(path)
    state_dict = revise_state_dict_keys(state_dict_of(checkpoint, path))
    check_state_dict_fits(model, state_dict, path)
    load_state_dict(model, state_dict, strict=False)
    meta = checkpoint.get('meta', {}) if isinstance(checkpoint, dict) else {}
    if isinstance(meta, dict) and isinstance(meta.get('dataset_meta'), dict):
        model.dataset_meta = {
            **(getattr(model, 'dataset_meta', None) or {}),
            **{k.lower(): v for k, v in meta['dataset_meta'].items()},
        }
    return checkpoint
