"""Settings renamed so that each has one name across the package, the configs
and the command line (mmdet's where it has one): the old name keeps working
for one release, with a warning. The warning is a :class:`FutureWarning`,
which Python shows by default (a ``DeprecationWarning`` is hidden outside
``__main__``, so users of the tools and configs would never see it)."""

from __future__ import annotations

import warnings
from typing import Any

from .errors import InputError

# old name -> new name, for the messages and the documentation
RENAMED = {
    'overlap': 'tile_overlap',
    'chip_size': 'tile_size',
    'seed': 'split_seed',
    'nms_iou': 'iou_threshold',
    'max_dets': 'max_per_img',
}


def renamed_setting(
    owner: str, old: str, new: str, old_value: Any, new_value: Any
) -> Any:
    """``new_value``, or ``old_value`` given under the deprecated name ``old``
    (a :class:`FutureWarning` naming ``new``); both given is an
    :class:`~xview_data.errors.InputError`. ``None`` means not given."""
    if old_value is None:
        return new_value
    if new_value is not None:
        raise InputError(
            f'{owner}: {old} is the old name of {new}; give only {new}'
        )
    warnings.warn(
        f'{owner}: {old} is deprecated, use {new}', FutureWarning, stacklevel=3
    )
    return old_value
