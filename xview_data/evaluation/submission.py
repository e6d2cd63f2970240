"""The xView submission format: one ``<image>.txt`` per scene (``2355.tif.txt``) with a line
``xmin ymin xmax ymax type_id score`` per detection; and the official scorer's outputs."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Optional, Union

import numpy as np

from ..converters.paths import atomic_write
from ..converters.xview_geojson import (_classify_bounds, _int_column, _parse_bounds,
                                        decode_feature_properties, index_image_ids)
from .xview_scoring import Boxes, XViewScores, score_xview

PathLike = Union[str, Path]
SUBMISSION_SUFFIX = '.txt'


def read_submission_file(path: PathLike) -> np.ndarray:
    """(N, 6) float array of one scene's detections; a malformed line raises ``ValueError``
    naming the file and the line."""
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f'{path}: cannot read predictions ({err})') from err
    if not text.strip():
        return np.zeros((0, 6))
    try:
        rows = np.loadtxt(io.StringIO(text), dtype=np.float64, ndmin=2, comments=None)
        if rows.shape[1] == 6:
            return rows
    except ValueError:
        pass
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            [float(p) for p in parts]
            ok = len(parts) == 6
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{path}, line {number}: expected 'xmin ymin xmax ymax type_id "
                             f"score', got {line.strip()[:80]!r}")
    raise ValueError(f'{path}: malformed predictions')


def read_submission(directory: PathLike) -> dict[str, np.ndarray]:
    """Image file name (``2355.tif``) -> its detections, for every ``*.txt`` in a folder."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f'{directory}: not a folder of <image>.txt prediction files')
    return {p.name[:-len(SUBMISSION_SUFFIX)]: read_submission_file(p)
            for p in sorted(directory.glob(f'*{SUBMISSION_SUFFIX}'))}


def write_submission_file(path: PathLike, boxes: np.ndarray, type_ids: np.ndarray,
                          scores: np.ndarray) -> None:
    rows = np.column_stack([np.asarray(boxes, np.float64).reshape(-1, 4),
                            np.asarray(type_ids, np.float64), np.asarray(scores, np.float64)])
    with atomic_write(path) as f:
        for x1, y1, x2, y2, type_id, score in rows.tolist():
            f.write(f'{x1:.1f} {y1:.1f} {x2:.1f} {y2:.1f} {int(type_id)} {score:.5f}\n')


def read_scoring_ground_truth(path: PathLike) -> tuple[list[str], Boxes]:
    """Ground truth as the official scorer reads it: every feature with four numbers in
    ``bounds_imcoords`` and an integer ``type_id`` is a box, zero-area and duplicate boxes
    included (they count in the class's ground truth). Returns image names and boxes."""
    path = Path(path)
    props = [p for p in decode_feature_properties(path) if p is not None]
    bounds = [p.bounds_imcoords for p in props]
    is_text, _ = _classify_bounds(bounds)
    boxes = np.full((len(props), 4), np.nan)
    good = np.flatnonzero(is_text)
    if len(good):
        boxes[good] = _parse_bounds([bounds[i] for i in good])
    type_ids = _int_column([p.type_id for p in props])
    keep = np.isfinite(boxes).all(1) & (type_ids >= 0)
    names, image_index = index_image_ids([p.image_id for p in props])
    return names, Boxes(image_index[keep], boxes[keep], type_ids[keep])


def score_submission(predictions_dir: PathLike, ground_truth: PathLike,
                     only_predicted_images: bool = False) -> tuple[XViewScores, list[str]]:
    """Score a submission folder against an xView GeoJSON. Every ground-truth image counts
    (no file: no detections) unless ``only_predicted_images``; returns the scores and the
    ground-truth images that had no prediction file."""
    predictions = read_submission(predictions_dir)
    names, gt = read_scoring_ground_truth(ground_truth)
    position = {name: i for i, name in enumerate(names)}
    truth_images = set(names[i] for i in np.unique(gt.image))
    for name in sorted(set(predictions) - set(position)):
        # detections on images without ground truth are still scored (as false positives)
        position[name] = len(names)
        names.append(name)
    missing = sorted(truth_images - set(predictions))
    if only_predicted_images:
        gt = gt.take(np.isin(gt.image, [position[n] for n in predictions]))
        missing = []
    rows = list(predictions.values())
    images = np.concatenate([np.full(len(r), position[n]) for n, r in predictions.items()]) \
        if rows else np.zeros(0, np.int64)
    stacked = np.concatenate(rows) if rows else np.zeros((0, 6))
    detections = Boxes(images, stacked[:, :4], stacked[:, 4], stacked[:, 5])
    return score_xview(detections, gt, names=names), missing


def write_score_files(scores: XViewScores, out_dir: PathLike,
                      plot: bool = True) -> dict[str, float]:
    """``score.txt`` (the mAP) and ``metrics.txt`` (``key value`` lines), as the official
    scorer writes them, and ``precision_recall.png`` (per-class curves)."""
    out_dir = Path(out_dir)
    metrics = scores.metrics()
    with atomic_write(out_dir / 'score.txt') as f:
        f.write(f"{metrics['map']}\n")
    with atomic_write(out_dir / 'metrics.txt') as f:
        for key, value in metrics.items():
            f.write(f'{key} {value}\n')
    if plot:
        from .plots import plot_precision_recall
        plot_precision_recall(scores, out_dir / 'precision_recall.png')
    return metrics
