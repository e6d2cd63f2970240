"""Safe paths and atomic writes: nothing outside OUT, nothing half-written."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional, Union

PathLike = Union[str, os.PathLike]


def safe_relative_path(name: str) -> Optional[str]:
    """``name`` as a normalized relative POSIX path, or None when it could escape its root
    (absolute, drive-qualified, or with a ``..`` component)."""
    if not isinstance(name, str) or not name.strip():
        return None
    posix = name.replace('\\', '/')
    parts = PurePosixPath(posix).parts
    if posix.startswith('/') or (parts and ':' in parts[0]) or '..' in parts:
        return None
    cleaned = [p for p in parts if p not in ('', '.')]
    return '/'.join(cleaned) if cleaned else None


def path_inside(root: PathLike, relative: str) -> Path:
    """``root / relative``, refusing any result outside ``root``.

    Lexical (no filesystem calls): ``root`` is a folder this package created, so only
    ``..`` and absolute parts of ``relative`` could lead outside it."""
    root_text = os.path.abspath(root)
    target = os.path.normpath(os.path.join(root_text, relative))
    if os.path.isabs(relative) or not target.startswith(root_text.rstrip(os.sep) + os.sep):
        raise ValueError(f"refusing to write '{relative}': it lies outside {root_text}")
    return Path(target)


@contextlib.contextmanager
def atomic_write(path: PathLike, mode: str = 'w', **kwargs) -> Iterator:
    """Write to a temporary file beside ``path`` and rename it into place on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.partial', dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def staged_directory(out_dir: PathLike, overwrite: bool = False) -> Iterator[Path]:
    """A hidden staging folder beside ``out_dir`` that becomes ``out_dir`` on success.

    A failed or killed run leaves ``out_dir`` untouched; stale staging folders of killed
    runs (``.<name>.partial-*``) are removed by the next run.
    """
    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(f'{out_dir} exists and is not empty (pass --overwrite to replace it)')
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.parent.glob(f'.{out_dir.name}.partial-*'):
        with contextlib.suppress(OSError, ValueError):
            if not Path(f'/proc/{stale.name.rsplit("-", 1)[1]}').exists():
                shutil.rmtree(stale)
    stage = Path(tempfile.mkdtemp(prefix=f'.{out_dir.name}.partial-', dir=out_dir.parent))
    # mkdtemp adds random letters; end the name with our pid so that stale folders are known.
    final_stage = stage.with_name(f'{stage.name}-{os.getpid()}')
    stage.rename(final_stage)
    try:
        yield final_stage
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(final_stage, out_dir)
    except BaseException:
        shutil.rmtree(final_stage, ignore_errors=True)
        raise


def ensure_not_input(out_dir: PathLike, *inputs: Optional[PathLike]) -> None:
    """Refuse an output folder that is, or holds, one of the inputs."""
    out = Path(out_dir).resolve()
    for item in inputs:
        if item is None:
            continue
        src = Path(item).resolve()
        if src == out or out in src.parents:
            raise ValueError(f'output {out} would overwrite the input {src}; choose another OUT')
