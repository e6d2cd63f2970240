"""A local file backend whose writes are atomic, for checkpoints: a run killed
while saving leaves the previous checkpoint and ``last_checkpoint`` intact,
never a half-written file. Configs select it with
``CheckpointHook(backend_args=dict(backend='atomic_local'))``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from xview_data.io import atomic_write

ATOMIC_BACKEND = 'atomic_local'


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` writing to a temporary file beside the target, then
    renaming it."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        with atomic_write(filepath, 'wb') as f:
            f.write(obj)

    def put_text(
        self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8'
    ) -> None:
        with atomic_write(filepath, 'w', encoding=encoding) as f:
            f.write(obj)
