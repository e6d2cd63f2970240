"""The xView submission format: one ``<image>.txt`` per scene
(``2355.tif.txt``) with a line ``xmin ymin xmax ymax type_id score`` per
detection; and the official scorer's outputs.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Union

import numpy as np

from ..converters.paths import atomic_write
from ..converters.xview_geojson import read_box_columns
from ..errors import InputError
from ..structures import XVIEW_TYPE_NAMES
from .xview_scoring import (
    Boxes,
    XViewScores,
    describe_detection_row,
    detection_row_problems,
    score_xview,
)

PathLike = Union[str, Path]
SUBMISSION_SUFFIX = '.txt'
# the official scorer reads a feature whose bounds_imcoords is an empty list as
# type id 0 of an image named 'None' (a class with ground truth that no
# detection can count)
EMPTY_BOUNDS_IMAGE, EMPTY_BOUNDS_TYPE_ID = 'None', 0
_COLUMNS = "'xmin ymin xmax ymax type_id score'"


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
        for x1, y1, x2, y2, type_id, score in rows.tolist():
            f.write(
                f'{x1:.1f} {y1:.1f} {x2:.1f} {y2:.1f} {int(type_id)}'
                f' {score:.5f}\n'
            )


def read_scoring_ground_truth(
    path: PathLike, official: bool = True
) -> tuple[list[str], Boxes]:
    """Ground truth as the official scorer reads it: every feature with four
    numbers in ``bounds_imcoords`` and an integer ``type_id`` is a box,
    zero-area and duplicate boxes included (they count in the class's ground
    truth). ``official`` also keeps what the official scorer makes of a feature
    whose ``bounds_imcoords`` is an empty list: a type id 0 box of image
    ``'None'``. Returns image names and boxes in feature order.
    """
    names, image_index, boxes, type_ids, empty_list = read_box_columns(path)
    keep = np.isfinite(boxes).all(1) & (type_ids >= 0)
    if official and empty_list.any():
        if EMPTY_BOUNDS_IMAGE not in names:
            names.append(EMPTY_BOUNDS_IMAGE)
        image_index[empty_list] = names.index(EMPTY_BOUNDS_IMAGE)
        boxes[empty_list] = 0.0
        type_ids[empty_list] = EMPTY_BOUNDS_TYPE_ID
        keep |= empty_list
    return names, Boxes(image_index[keep], boxes[keep], type_ids[keep])


def score_submission(
    predictions_dir: PathLike,
    ground_truth: PathLike,
    count_all_ground_truth: bool = False,
) -> tuple[XViewScores, list[str]]:
    """Score a submission folder against an xView GeoJSON by the official
    rules: only images with a prediction file are scored, and a class's ground
    truth counts only in images holding a detection of that class.
    ``count_all_ground_truth`` counts every box of every image instead (an
    image without a file has no detections). Returns the scores and the
    ground-truth images without a prediction file."""
    predictions = read_submission(predictions_dir)
    names, gt = read_scoring_ground_truth(
        ground_truth, official=not count_all_ground_truth
    )
    position = {name: i for i, name in enumerate(names)}
    for name in predictions:
        if (
            name not in position
        ):  # detections on images without ground truth: all FPs
            position[name] = len(names)
            names.append(name)
    truth_images = set(names[i] for i in np.unique(gt.image)) - {
        EMPTY_BOUNDS_IMAGE
    }
    missing = sorted(truth_images - set(predictions))
    rows = list(predictions.values())
    images = np.concatenate(
        [np.full(len(r), position[n]) for n, r in predictions.items()]
    )
    stacked = np.concatenate(rows)
    detections = Boxes(images, stacked[:, :4], stacked[:, 4], stacked[:, 5])
    scores = score_xview(
        detections,
        gt,
        count_all_ground_truth=count_all_ground_truth,
        names=names,
    )
    return scores, missing


def write_score_files(
    scores: XViewScores, out_dir: PathLike, plot: bool = True
) -> dict:
    """``score.txt`` (``"%.8f"`` mAP, no newline) and ``metrics.txt`` (``"%s
    %f"`` lines) byte for byte as the official scorer writes them; our extra
    per-class numbers in ``per_class.csv``; and, with ``plot``,
    ``precision_recall.png`` (per-class curves).
    """
    out_dir = Path(out_dir)
    metrics = scores.metrics()
    with atomic_write(out_dir / 'score.txt') as f:
        f.write('%.8f' % metrics['map'])
    with atomic_write(out_dir / 'metrics.txt') as f:
        f.write(
            ''.join('%s %f\n' % (key, value) for key, value in metrics.items())
        )
    with atomic_write(out_dir / 'per_class.csv') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(
            [
                'type_id',
                'name',
                'ap',
                'precision',
                'recall',
                'num_gt',
                'num_det',
            ]
        )
        for type_id, ap in scores.ap.items():
            writer.writerow(
                [
                    type_id,
                    XVIEW_TYPE_NAMES.get(type_id, ''),
                    repr(ap),
                    repr(scores.precision[type_id]),
                    repr(scores.recall[type_id]),
                    scores.num_gt[type_id],
                    scores.num_det[type_id],
                ]
            )
    if plot:
        from .plots import plot_precision_recall

        plot_precision_recall(scores, out_dir / 'precision_recall.png')
    return metrics
