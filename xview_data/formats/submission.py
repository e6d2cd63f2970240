"""The xView submission format: one ``<image>.txt`` per scene
(``2355.tif.txt``) with a line ``xmin ymin xmax ymax type_id score`` per
detection."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Union

import numpy as np

from ..errors import InputError
from ..io import WRITE_CHUNK, atomic_write

PathLike = Union[str, Path]
SUBMISSION_SUFFIX = '.txt'
_COLUMNS = "'xmin ymin xmax ymax type_id score'"


def detection_row_problems(rows: np.ndarray) -> np.ndarray:
    """Which (N, 6) rows ``xmin ymin xmax ymax type_id score`` are not
    detections: a non-finite value, negative coordinates, a type id that is not
    a non-negative integer, a score outside [0, 1]."""
    return (
        ~np.isfinite(rows).all(1)
        | (rows[:, :4] < 0).any(1)
        | (rows[:, 4] < 0)
        | (rows[:, 4] != np.floor(rows[:, 4]))
        | (rows[:, 5] < 0)
        | (rows[:, 5] > 1)
    )


def describe_detection_row(row: np.ndarray) -> str:
    """What :func:`detection_row_problems` finds wrong with one row ('' when
    nothing)."""
    if not np.isfinite(row).all():
        return 'a value is not a finite number'
    if (row[:4] < 0).any():
        return 'negative coordinates'
    if row[4] < 0 or row[4] != np.floor(row[4]):
        return f'type_id {row[4]:g} is not a non-negative integer'
    if not 0 <= row[5] <= 1:
        return f'score {row[5]:g} is outside [0, 1]'
    return ''


def read_submission_file(path: PathLike) -> np.ndarray:
    """(N, 6) float array of one prediction file, in line order; a malformed
    line (not six numbers, a non-finite value, negative coordinates, a type id
    that is not a non-negative integer, a score outside [0, 1]) raises
    ``ValueError`` naming the file and the line. Blank lines are skipped."""
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f'{path}: cannot read predictions ({err})') from err
    if not text.strip():
        return np.zeros((0, 6))
    try:
        rows = np.loadtxt(
            io.StringIO(text), dtype=np.float64, ndmin=2, comments=None
        )
        if rows.shape[1] == 6 and not detection_row_problems(rows).any():
            return rows
    except ValueError:
        pass
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = np.loadtxt([line], dtype=np.float64, ndmin=2, comments=None)
            problem = '' if row.shape == (1, 6) else f'expected {_COLUMNS}'
        except ValueError:
            problem = f'expected {_COLUMNS}'
        problem = problem or describe_detection_row(row[0])
        if problem:
            raise InputError(
                f'{path}, line {number}: {problem}: {line.strip()[:80]!r}'
            )
    raise InputError(f'{path}: malformed predictions')


def read_submission(directory: PathLike) -> dict[str, np.ndarray]:
    """Image file name (``2355.tif``) -> its detections, for every ``*.txt`` in
    a folder, in the official scorer's image order (string order of the
    names)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(
            f'{directory}: not a folder of <image>.txt prediction files'
        )
    names = sorted(
        p.name[: -len(SUBMISSION_SUFFIX)]
        for p in directory.iterdir()
        if p.name.endswith(SUBMISSION_SUFFIX) and p.is_file()
    )
    if not names:
        raise InputError(
            f'{directory}: no <image>.txt prediction files (e.g. 2355.tif.txt)'
        )
    return {
        name: read_submission_file(directory / f'{name}{SUBMISSION_SUFFIX}')
        for name in names
    }


def write_submission_file(
    path: PathLike, boxes: np.ndarray, type_ids: np.ndarray, scores: np.ndarray
) -> None:
    rows = np.column_stack(
        [
            np.asarray(boxes, np.float64).reshape(-1, 4),
            np.asarray(type_ids, np.float64),
            np.asarray(scores, np.float64),
        ]
    )
    with atomic_write(path) as f:
        for start in range(0, len(rows), WRITE_CHUNK):
            f.writelines(
                f'{x1:.1f} {y1:.1f} {x2:.1f} {y2:.1f} {int(type_id)}'
                f' {score:.5f}\n'
                for x1, y1, x2, y2, type_id, score in rows[
                    start : start + WRITE_CHUNK
                ].tolist()
            )
