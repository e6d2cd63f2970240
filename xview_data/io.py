"""Safe paths and atomic writes: nothing outside OUT, nothing half-written."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterable, Iterator, Optional, Union

from .errors import InputError

PathLike = Union[str, os.PathLike]
# rows a writer turns into text at a time: its memory stays bounded however
# many rows a file holds
WRITE_CHUNK = 20_000


def safe_relative_path(name: str) -> Optional[str]:
    """``name`` as a normalized relative POSIX path, or None when it could
    escape its root (absolute, drive-qualified, or with a ``..`` component)."""
    if not isinstance(name, str) or not name.strip() or '\x00' in name:
        return None
    posix = name.replace('\\', '/')
    parts = PurePosixPath(posix).parts
    if posix.startswith('/') or (parts and ':' in parts[0]) or '..' in parts:
        return None
    cleaned = [p for p in parts if p not in ('', '.')]
    return '/'.join(cleaned) if cleaned else None


def path_inside(root: PathLike, relative: str) -> Path:
    """``root / relative``, refusing any result outside ``root``.

    Lexical (no filesystem calls): ``root`` is a folder this package created,
    so only ``..`` and absolute parts of ``relative`` could lead outside it."""
    root_text = os.path.abspath(root)
    target = os.path.normpath(os.path.join(root_text, relative))
    if os.path.isabs(relative) or not target.startswith(
        root_text.rstrip(os.sep) + os.sep
    ):
        raise ValueError(
            f"refusing to write '{relative}': it lies outside {root_text}"
        )
    return Path(target)


def write_json_streamed(
    f: BinaryIO,
    chunks: Iterable[list],
    document: Optional[dict] = None,
    key: Optional[str] = None,
) -> int:
    """Write compact JSON whose one long list comes in ``chunks``, encoding
    one chunk at a time: the list itself, or ``document[key]``. The bytes are
    those ``msgspec.json.encode`` gives for the whole. Returns the number of
    items."""
    import msgspec

    head, tail = b'[', b']'
    if document is not None:
        # a placeholder no other value of the document can equal
        placeholder = f'\x00{id(f)}\x00'
        encoded = msgspec.json.encode({**document, key: placeholder})
        before, after = encoded.split(msgspec.json.encode(placeholder))
        head, tail = before + head, tail + after
    f.write(head)
    count = 0
    for chunk in chunks:
        if chunk:
            f.write(
                (b',' if count else b'') + msgspec.json.encode(chunk)[1:-1]
            )
            count += len(chunk)
    f.write(tail)
    return count


def current_umask() -> int:
    """The process umask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: PathLike, mode: str = 'w', **kwargs) -> Iterator:
    """Write to a temporary file beside ``path`` and rename it into place on
    success. The file gets the permissions a plain ``open()`` would give it
    (0666 less the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{path.name}.', suffix='.partial', dir=path.parent
    )
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_files(folder: PathLike) -> Iterator:
    """Write several files into ``folder`` all or none: ``stage(name)`` gives
    the temporary path to write ``name`` at; on success every one is renamed
    into place, on failure (a full disk half-way) none is, and a folder this
    created is removed again. Other files of ``folder`` are left alone."""
    folder = Path(folder)
    created = not folder.is_dir()
    folder.mkdir(parents=True, exist_ok=True)
    staged: dict[str, Path] = {}

    def stage(name: str) -> Path:
        fd, tmp = tempfile.mkstemp(
            prefix=f'.{name}.', suffix='.partial', dir=folder
        )
        os.fchmod(fd, 0o666 & ~current_umask())
        os.close(fd)
        staged[name] = Path(tmp)
        return staged[name]

    try:
        yield stage
        for name, tmp in staged.items():
            os.replace(tmp, folder / name)
    except BaseException:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux
    ``renameat2(RENAME_EXCHANGE)``); False where the system or file system
    cannot."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(
            ctypes.util.find_library('c') or 'libc.so.6', use_errno=True
        )
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(
        at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE
    )
    return result == 0


def _alive(path: Path) -> bool:
    """Whether the process whose id ends a staging name (``...-<pid>``) still
    runs."""
    pid = path.name.rsplit('-', 1)[-1]
    return (
        pid.isdigit()
        and int(pid) != os.getpid()
        and Path(f'/proc/{pid}').exists()
    )


def recover_interrupted_swap(out_dir: PathLike) -> None:
    """Finish or roll back what a killed run left beside ``out_dir``: its
    staging folder (``.<name>.partial-<pid>``, removed), a complete new output
    waiting to be swapped in (``.<name>.ready-<pid>``) and the old output moved
    aside (``.<name>.old-<pid>``). OUT present: the swap is done or never
    began, leftovers go. OUT missing: the complete new output goes in if there
    is one, else the old one comes back."""
    out_dir = Path(out_dir).absolute()
    leftovers = {
        kind: [
            p
            for p in out_dir.parent.glob(f'.{out_dir.name}.{kind}-*')
            if not _alive(p)
        ]
        for kind in ('partial', 'ready', 'old')
    }
    if not out_dir.exists():
        for candidate in leftovers['ready'] + leftovers['old']:
            os.rename(candidate, out_dir)
            break
    for stale in sum(leftovers.values(), []):
        if stale.exists():
            shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def output_lock(out_dir: PathLike) -> Iterator[Path]:
    """Hold the lock of an output folder for the whole run: an advisory
    ``flock`` on ``.<name>.lock`` beside it, which a second run into the same
    folder finds taken (:class:`FileExistsError`, naming the process that
    holds it). The kernel drops the lock of a killed run, so a lock file it
    left behind is recognised as stale and taken over."""
    import fcntl
    import socket

    out_dir = Path(out_dir).absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = out_dir.parent / f'.{out_dir.name}.lock'
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~current_umask())
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors='replace').strip()
            os.close(fd)
            raise FileExistsError(
                f'{out_dir} is being written by another run (process'
                f' {holder or "unknown"}, lock {lock}); wait for it to end or'
                ' choose another OUT'
            ) from None
        # the run that held it may have removed the file meanwhile: hold the
        # file that is in place
        try:
            current = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f'{os.getpid()} on {socket.gethostname()}\n'.encode())
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        os.close(fd)


@contextlib.contextmanager
def staged_directory(
    out_dir: PathLike, overwrite: bool = False
) -> Iterator[Path]:
    """A hidden staging folder beside ``out_dir`` that becomes ``out_dir`` on
    success.

    A failed or killed run leaves ``out_dir`` as it was. With ``overwrite`` the
    old output is replaced crash-safely: at every instant ``out_dir`` is the
    complete old output or the complete new one (an atomic exchange of the two
    folders; where the file system cannot exchange, two renames, and a later
    run finishes or rolls back a swap it finds half done, see
    :func:`recover_interrupted_swap`). The folder gets the permissions a plain
    ``mkdir`` would give it (0777 less the umask). ``out_dir`` is locked from
    the first check to the swap (:func:`output_lock`): a second run into it
    is refused instead of replacing this one's output or losing its own.
    """
    out_dir = Path(out_dir).absolute()
    with output_lock(out_dir):
        with _staged_directory(out_dir, overwrite) as stage:
            yield stage


@contextlib.contextmanager
def _staged_directory(out_dir: Path, overwrite: bool) -> Iterator[Path]:
    recover_interrupted_swap(out_dir)
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise FileExistsError(f'{out_dir} exists and is not a folder')
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(
            f'{out_dir} exists and is not empty (pass --overwrite to'
            ' replace it)'
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(
        tempfile.mkdtemp(
            prefix=f'.{out_dir.name}.partial-', dir=out_dir.parent
        )
    )
    # mkdtemp adds random letters; end the name with our pid so that stale
    # folders are known.
    final_stage = stage.with_name(f'.{out_dir.name}.partial-{os.getpid()}')
    stage.rename(final_stage)
    os.chmod(final_stage, 0o777 & ~current_umask())
    try:
        yield final_stage
    except BaseException:
        shutil.rmtree(final_stage, ignore_errors=True)
        raise
    ready = final_stage.with_name(f'.{out_dir.name}.ready-{os.getpid()}')
    os.rename(final_stage, ready)
    if not out_dir.exists():
        os.rename(ready, out_dir)
    elif _exchange(ready, out_dir):
        shutil.rmtree(ready)  # now the old output
    else:
        old = ready.with_name(f'.{out_dir.name}.old-{os.getpid()}')
        os.rename(out_dir, old)
        os.rename(ready, out_dir)
        shutil.rmtree(old)


def ensure_not_input(out_dir: PathLike, *inputs: Optional[PathLike]) -> None:
    """Refuse an output (a folder a tool replaces whole, or a file it writes)
    that is, or holds, one of the inputs: no tool deletes or overwrites a
    file it was given, whatever OUT is (links resolved)."""
    # os.path.realpath, not Path.resolve: it raises on a loop of links
    # (Python < 3.13), which the writer then reports as one line
    out = Path(os.path.realpath(out_dir))
    for item in inputs:
        if item is None:
            continue
        src = Path(os.path.realpath(item))
        if src == out or out in src.parents:
            raise InputError(
                f'output {out} would overwrite the input {src}; choose'
                ' another OUT'
            )
