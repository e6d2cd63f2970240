"""Scoring a submission folder (see :mod:`xview_data.formats.submission`)
by the official rules, and the official scorer's output files."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Union

import numpy as np

from ..formats.submission import read_submission
from ..formats.xview_geojson import read_box_columns
from ..io import atomic_files
from ..structures import XVIEW_TYPE_NAMES
from .xview_scoring import Boxes, XViewScores, score_xview

PathLike = Union[str, Path]
# the official scorer reads a feature whose bounds_imcoords is an empty list as
# type id 0 of an image named 'None' (a class with ground truth that no
# detection can count)
EMPTY_BOUNDS_IMAGE, EMPTY_BOUNDS_TYPE_ID = 'None', 0


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


# what write_score_files writes into its folder
SCORE_FILES = (
    'score.txt',
    'metrics.txt',
    'per_class.csv',
    'precision_recall.png',
)


def write_score_files(
    scores: XViewScores, out_dir: PathLike, plot: bool = True
) -> dict:
    """``score.txt`` (``"%.8f"`` mAP, no newline) and ``metrics.txt`` (``"%s
    %f"`` lines) byte for byte as the official scorer writes them; our extra
    per-class numbers in ``per_class.csv``; and, with ``plot``,
    ``precision_recall.png`` (per-class curves).
    """
    metrics = scores.metrics()
    # all or none: a full disk half-way leaves no score without its metrics
    with atomic_files(out_dir) as stage:
        with open(stage('score.txt'), 'w') as f:
            f.write('%.8f' % metrics['map'])
        with open(stage('metrics.txt'), 'w') as f:
            f.write(
                ''.join(
                    '%s %f\n' % (key, value) for key, value in metrics.items()
                )
            )
        with open(stage('per_class.csv'), 'w', newline='') as f:
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

            plot_precision_recall(scores, stage('precision_recall.png'))
    return metrics
