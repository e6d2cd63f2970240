"""The official xView scoring rules (``shared/reference/README.md``),
vectorized with numpy.

Per scored image and class, detections go in the order
``np.argsort(scores)[::-1]`` and each takes the ground-truth box of highest IoU
(the first one on ties); the detection is a true positive when that IoU is at
least the threshold and the box is not matched yet, else a false positive:
there is no fallback to the second-best box. A class's ground truth only counts
in images that hold at least one detection of that class. Per class over all
images (in file-name order): cumulative TP / FP in ``np.argsort`` order, PASCAL
VOC all-point AP. Classes: every type id of the ground truth; 75/82/87 are
never scored.

Tied scores are ordered by numpy's default (unstable, CPU-dependent) sort
exactly as the official scorer orders them: the same ``np.argsort`` call on the
same array. ``count_all_ground_truth=True`` is the corrected variant where
every ground-truth box of every image counts.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Sequence

import numpy as np

from ..formats.submission import detection_row_problems
from ..structures import NOT_SCORED_TYPE_IDS, OFFICIAL_SCORER_SPLITS

EPS = np.spacing(1.0)
# IoU pairs evaluated per numpy call: bounds memory on scenes with thousands of
# boxes.
_PAIR_CHUNK = 4_000_000
# The official scorer keeps per-class results in arrays of this many type ids;
# the means run over those arrays (NaN-ignoring), and the summation order
# follows the array layout.
_OFFICIAL_CLASS_SLOTS = 100


@dataclass
class Boxes:
    """Boxes of many images: ``image`` (int ids), ``boxes`` (N, 4) xyxy,
    ``type_ids`` and, for detections, ``scores``."""

    image: np.ndarray
    boxes: np.ndarray
    type_ids: np.ndarray
    scores: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.image = np.asarray(self.image, np.int64).reshape(-1)
        self.boxes = np.asarray(self.boxes, np.float64).reshape(-1, 4)
        self.type_ids = np.asarray(self.type_ids, np.int64).reshape(-1)
        if self.scores is not None:
            self.scores = np.asarray(self.scores, np.float64).reshape(-1)

    def __len__(self) -> int:
        return len(self.image)

    def take(self, keep: np.ndarray) -> 'Boxes':
        return Boxes(
            self.image[keep],
            self.boxes[keep],
            self.type_ids[keep],
            None if self.scores is None else self.scores[keep],
        )


@dataclass
class ClassCurve:
    """Precision and recall after each detection of a class, in score order."""

    precision: np.ndarray
    recall: np.ndarray
    scores: np.ndarray


@dataclass
class XViewScores:
    """Per-class results. ``type_ids`` lists every ground-truth type id (the
    official key set of ``metrics.txt``); ``ap`` holds the scored ones.
    ``precision`` / ``recall`` are NaN for a class without counted ground truth
    (left out of the means)."""

    type_ids: list[int]
    ap: dict[int, float]
    precision: dict[int, float]
    recall: dict[int, float]
    num_gt: dict[int, int]
    num_det: dict[int, int]
    curves: dict[int, ClassCurve] = field(default_factory=dict)
    count_all_ground_truth: bool = False
    splits: Mapping[str, Iterable[int]] = field(
        default_factory=lambda: OFFICIAL_SCORER_SPLITS
    )

    @property
    def map(self) -> float:
        return self.metrics()['map']

    def metrics(self) -> dict:
        """The official scorer's values in its order: ``map``, ``map_score``
        (mean precision), ``mar_score`` (mean recall), ``map/<split>``, the AP
        of each ground-truth type id (int keys, NaN for 75/82/87), ``f1``."""
        slots = max([_OFFICIAL_CLASS_SLOTS] + [t + 1 for t in self.type_ids])
        ap, precision, recall = (np.full(slots, np.nan) for _ in range(3))
        for type_id, value in self.ap.items():
            ap[type_id] = value
            precision[type_id] = self.precision[type_id]
            recall[type_id] = self.recall[type_id]
        with (
            warnings.catch_warnings()
        ):  # an all-NaN mean is NaN, as in the official output
            warnings.simplefilter('ignore', RuntimeWarning)
            out = {
                'map': float(np.nanmean(ap)),
                'map_score': float(np.nanmean(precision)),
                'mar_score': float(np.nanmean(recall)),
            }
            for split, members in self.splits.items():
                out[f'map/{split}'] = float(np.nanmean(ap[list(members)]))
        out.update({type_id: float(ap[type_id]) for type_id in self.type_ids})
        out['f1'] = float(
            2 / (1 / (EPS + out['map_score']) + 1 / (EPS + out['mar_score']))
        )
        return out


def validate_detections(
    detections: Boxes, names: Optional[Sequence[str]] = None
) -> Boxes:
    """Drop detections with score 0; refuse negative coordinates or scores,
    scores above 1 and non-finite values, naming the image."""
    bad = detection_row_problems(
        np.column_stack(
            [detections.boxes, detections.type_ids, detections.scores]
        )
    )
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        image = (
            names[detections.image[first]]
            if names
            else detections.image[first]
        )
        raise ValueError(
            f'{image}: detection {detections.boxes[first].tolist()} score'
            f' {detections.scores[first]}: negative coordinates or a score'
            f' outside [0, 1] ({int(bad.sum())} such detections)'
        )
    return detections.take(detections.scores > 0)


def _areas(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _candidate_pairs(
    det_boxes: np.ndarray,
    det_group: np.ndarray,
    gt_boxes: np.ndarray,
    gt_group: np.ndarray,
    iou_threshold: float,
):
    """For each detection, the ground-truth boxes of its group that can reach
    the IoU threshold (a superset), as ``(det_index, query_start, query_end,
    gt_order)``: the boxes ``gt_order[start:end]`` of each query belong to
    ``det_index``.

    IoU >= t needs an intersection of at least t of each box's width (IoU <=
    overlap / width) and height, which puts the ground truth's x1 in [x1 -
    (1-t)/t w, x1 + (1-t) w] of the detection's, likewise y1. Ground truth is
    sorted by (group, y1 band, x1): a detection looks up the few bands its y1
    range covers and, in each, the x1 range by binary search.
    """
    t = iou_threshold
    w_d = det_boxes[:, 2] - det_boxes[:, 0]
    h_d = det_boxes[:, 3] - det_boxes[:, 1]
    w_g = gt_boxes[:, 2] - gt_boxes[:, 0]
    h_g = gt_boxes[:, 3] - gt_boxes[:, 1]
    slack = 1 + 1e-9  # keep boxes at the exact edge of a range (rounding)
    x_lo = (
        det_boxes[:, 0]
        - np.minimum((1 - t) / t * w_d, w_g.max()) * slack
        - 1e-9
    )
    x_hi = det_boxes[:, 0] + (1 - t) * w_d * slack + 1e-9
    y_lo = (
        det_boxes[:, 1]
        - np.minimum((1 - t) / t * h_d, h_g.max()) * slack
        - 1e-9
    )
    y_hi = det_boxes[:, 1] + (1 - t) * h_d * slack + 1e-9
    y0 = gt_boxes[:, 1].min()
    # bands about twice the typical height: most detections look up one or two
    band = max(2 * float(np.median(h_g)), 1e-6)
    n_bands = int((gt_boxes[:, 1].max() - y0) // band) + 1
    gt_cell = gt_group * n_bands + ((gt_boxes[:, 1] - y0) // band).astype(
        np.int64
    )
    order = np.lexsort((gt_boxes[:, 0], gt_cell))
    sorted_cells = gt_cell[order]
    new_cell = np.r_[True, sorted_cells[1:] != sorted_cells[:-1]]
    cells, cell_rank = sorted_cells[new_cell], np.cumsum(new_cell) - 1
    x0 = min(gt_boxes[:, 0].min(), x_lo.min())
    # one sorted key (cell rank, x1): a cell's keys lie in [rank * stride, rank
    # * stride + span), and a query's x range stays clear of the neighbouring
    # cells' keys
    span = max(gt_boxes[:, 0].max(), x_hi.max()) - x0 + 1
    stride = 2 * span + 4
    sorted_key = cell_rank * stride + (gt_boxes[order, 0] - x0)
    band_lo = (
        np.floor((y_lo - y0) / band).clip(0, n_bands - 1).astype(np.int64)
    )
    band_hi = (
        np.floor((y_hi - y0) / band).clip(-1, n_bands - 1).astype(np.int64)
    )
    n_queries = np.maximum(band_hi - band_lo + 1, 0)
    q_det = np.repeat(np.arange(len(det_boxes)), n_queries)
    q_cell = np.repeat(det_group * n_bands + band_lo, n_queries)
    extra = np.flatnonzero(n_queries > 1)  # detections spanning several bands
    if len(extra):
        q_cell += np.arange(len(q_cell)) - np.repeat(
            np.cumsum(n_queries) - n_queries, n_queries
        )
    if (
        cells[-1] < 8 * len(gt_boxes) + 1_000_000
    ):  # a dense table: one lookup per query
        table = np.full(int(cells[-1]) + 2, -1, np.int64)
        table[cells] = np.arange(len(cells))
        rank = table[np.minimum(q_cell, len(table) - 1)]
        found = rank >= 0
    else:
        rank = np.searchsorted(cells, q_cell).clip(0, len(cells) - 1)
        found = cells[rank] == q_cell
    q_det, rank = q_det[found], rank[found]
    base = rank * stride - x0
    starts = np.searchsorted(sorted_key, base + x_lo[q_det], 'left')
    ends = np.searchsorted(sorted_key, base + x_hi[q_det], 'right')
    return q_det, starts, ends, order


def match_detections(
    detections: Boxes,
    ground_truth: Boxes,
    det_group: np.ndarray,
    gt_group: np.ndarray,
    rank: np.ndarray,
    iou_threshold: float = 0.5,
) -> np.ndarray:
    """True-positive flags under the official greedy matching.

    ``det_group`` / ``gt_group`` key each box's (image, class) group; ``rank``
    is each detection's place in the processing order (only its order within a
    group matters).
    """
    if not 0 < iou_threshold <= 1:
        raise ValueError(
            f'iou_threshold must be in (0, 1], got {iou_threshold}'
        )
    n = len(detections)
    tp = np.zeros(n, bool)
    if n == 0 or len(ground_truth) == 0:
        return tp
    det_area = _areas(detections.boxes)
    gt_area = _areas(ground_truth.boxes)
    det_proper = (detections.boxes[:, 2] > detections.boxes[:, 0]) & (
        detections.boxes[:, 3] > detections.boxes[:, 1]
    )
    gt_proper = (ground_truth.boxes[:, 2] > ground_truth.boxes[:, 0]) & (
        ground_truth.boxes[:, 3] > ground_truth.boxes[:, 1]
    )
    # A box without positive width and height intersects nothing, so its IoU
    # with any box is 0 (never a match) except 0 / 0 = NaN when the two areas
    # cancel out: a negative-area ground-truth box (one side inverted) against
    # a detection of the opposite area. The official np.argmax picks that NaN,
    # so such a detection is a false positive.
    eligible = det_proper.copy()
    negative = np.flatnonzero(gt_area < 0)
    if len(negative):
        cancels = set(
            zip(gt_group[negative].tolist(), (-gt_area[negative]).tolist())
        )
        eligible &= ~np.fromiter(
            (
                key in cancels
                for key in zip(det_group.tolist(), det_area.tolist())
            ),
            bool,
            n,
        )
    gt_keep = np.flatnonzero(gt_proper)
    by_rank = np.empty(n, np.int64)
    by_rank[rank] = np.arange(n)
    det_keep = by_rank[
        eligible[by_rank]
    ]  # in group order: the lookups below run sorted
    if not len(gt_keep) or not len(det_keep):
        return tp
    q_det, starts, ends, gt_order = _candidate_pairs(
        detections.boxes[det_keep],
        det_group[det_keep],
        ground_truth.boxes[gt_keep],
        gt_group[gt_keep],
        iou_threshold,
    )
    gt_order = gt_keep[gt_order]  # positions in ground_truth
    q_det = det_keep[q_det]
    counts = ends - starts
    best_iou = np.zeros(n)
    best_gt = np.full(n, -1, np.int64)
    cumulative = np.cumsum(counts)
    bounds = [0]
    while bounds[-1] < len(counts):
        done = cumulative[bounds[-1] - 1] if bounds[-1] else 0
        end = int(np.searchsorted(cumulative, done + _PAIR_CHUNK, 'right'))
        # never split one detection's queries between chunks
        end = (
            int(
                np.searchsorted(
                    q_det, q_det[min(end, len(q_det) - 1)], 'right'
                )
            )
            if end < len(q_det)
            else len(q_det)
        )
        bounds.append(max(end, bounds[-1] + 1))
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        reps = counts[lo:hi]
        if not reps.sum():
            continue
        offsets = np.arange(reps.sum()) - np.repeat(
            np.cumsum(reps) - reps, reps
        )
        pair_det = np.repeat(q_det[lo:hi], reps)
        pair_gt = gt_order[np.repeat(starts[lo:hi], reps) + offsets]
        d = detections.boxes[pair_det]
        g = ground_truth.boxes[pair_gt]
        # the official arithmetic: (area_det + area_gt) - intersection, areas
        # without +1
        iw = (
            np.minimum(d[:, 2], g[:, 2]) - np.maximum(d[:, 0], g[:, 0])
        ).clip(0)
        ih = (
            np.minimum(d[:, 3], g[:, 3]) - np.maximum(d[:, 1], g[:, 1])
        ).clip(0)
        inter = iw * ih
        iou = inter / (det_area[pair_det] + gt_area[pair_gt] - inter)
        segment = np.flatnonzero(np.r_[True, pair_det[1:] != pair_det[:-1]])
        owners = pair_det[segment]
        best = np.maximum.reduceat(iou, segment)
        # on equal IoU the official np.argmax takes the box listed first
        is_best = iou == np.repeat(best, np.diff(np.r_[segment, len(iou)]))
        best_gt[owners] = np.minimum.reduceat(
            np.where(is_best, pair_gt, len(ground_truth)), segment
        )
        best_iou[owners] = best
    candidate = np.flatnonzero(best_iou >= iou_threshold)
    if len(candidate):
        # the first detection (in processing order) claiming a box gets it;
        # later ones are FPs
        order = np.lexsort((rank[candidate], best_gt[candidate]))
        claimed = best_gt[candidate][order]
        first_claim = np.ones(len(order), bool)
        first_claim[1:] = claimed[1:] != claimed[:-1]
        tp[candidate[order[first_claim]]] = True
    return tp


def voc_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """PASCAL VOC all-point AP: precision made monotone from the right, summed
    where recall changes."""
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    changes = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(
        np.sum((mrec[changes + 1] - mrec[changes]) * mpre[changes + 1])
    )


def _descending(scores: np.ndarray) -> np.ndarray:
    """The official order of a score array: numpy's default argsort,
    reversed."""
    return np.argsort(scores)[::-1]


def official_order(group: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Detections sorted by group, each group in the order
    ``np.argsort(s)[::-1]`` gives for its scores ``s`` in input order.

    Without tied scores that is descending score; a group with ties is ordered
    by the same numpy call as the official scorer (the tie order of its
    unstable sort).
    """
    order = np.lexsort((-scores, group))
    if len(order) < 2:
        return order
    g, s = group[order], scores[order]
    tied = (g[1:] == g[:-1]) & (s[1:] == s[:-1])
    if tied.any():
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        ends = np.r_[starts[1:], len(order)]
        for k in np.unique(
            np.searchsorted(starts, np.flatnonzero(tied), 'right') - 1
        ):
            lo, hi = starts[k], ends[k]
            members = np.sort(order[lo:hi])  # input order
            order[lo:hi] = members[_descending(scores[members])]
    return order


def score_xview(
    detections: Boxes,
    ground_truth: Boxes,
    iou_threshold: float = 0.5,
    count_all_ground_truth: bool = False,
    ignored_type_ids: Iterable[int] = NOT_SCORED_TYPE_IDS,
    splits: Mapping[str, Iterable[int]] = OFFICIAL_SCORER_SPLITS,
    names: Optional[Sequence[str]] = None,
) -> XViewScores:
    """Score ``detections`` against ``ground_truth`` with the official xView
    rules.

    Both are ``Boxes`` over the same integer image ids, detections of one image
    in their file order; ``names`` (image id -> file name) orders the images as
    the official scorer does (string order of the prediction file names) and
    names images in errors.

    By default a class's ground truth counts only in the images that hold a
    detection of that class (the official rule); ``count_all_ground_truth``
    counts every box.
    """
    detections = validate_detections(detections, names)
    type_ids = np.unique(ground_truth.type_ids)
    ignored = set(ignored_type_ids)
    scored = [t for t in type_ids.tolist() if t not in ignored]
    detections = detections.take(np.isin(detections.type_ids, scored))
    n_images = (
        int(
            max(
                detections.image.max(initial=-1),
                ground_truth.image.max(initial=-1),
            )
        )
        + 1
    )
    if names is not None:
        image_rank = np.empty(max(n_images, len(names)), np.int64)
        image_rank[sorted(range(len(names)), key=names.__getitem__)] = (
            np.arange(len(names))
        )
    else:
        image_rank = np.arange(n_images)
    # (class, image in file-name order): a key that cannot collide whatever the
    # ids
    n_ranks = len(image_rank)
    det_type = np.searchsorted(type_ids, detections.type_ids)
    gt_type = np.searchsorted(type_ids, ground_truth.type_ids)
    det_group = det_type * n_ranks + image_rank[detections.image]
    gt_group = gt_type * n_ranks + image_rank[ground_truth.image]
    # class by class, images in name order, each image's detections in its
    # official order: the order the official scorer concatenates a class's
    # detections in
    by_class = official_order(det_group, detections.scores)
    rank = np.empty(len(by_class), np.int64)
    rank[by_class] = np.arange(len(by_class))
    tp = match_detections(
        detections, ground_truth, det_group, gt_group, rank, iou_threshold
    )
    if count_all_ground_truth:
        counted = np.ones(len(ground_truth), bool)
    else:
        predicted = np.unique(det_group[by_class])
        slot = np.searchsorted(predicted, gt_group).clip(
            0, max(len(predicted) - 1, 0)
        )
        counted = (
            predicted[slot] == gt_group
            if len(predicted)
            else np.zeros(len(ground_truth), bool)
        )
    gt_counts = np.bincount(gt_type[counted], minlength=len(type_ids))
    class_bounds = np.searchsorted(
        det_type[by_class], np.arange(len(type_ids) + 1)
    )
    ap, precision, recall, num_gt, num_det, curves = {}, {}, {}, {}, {}, {}
    for k, type_id in enumerate(type_ids.tolist()):
        if type_id in ignored:
            continue
        members = by_class[class_bounds[k] : class_bounds[k + 1]]
        n_gt = int(gt_counts[k])
        num_gt[type_id], num_det[type_id] = n_gt, len(members)
        if n_gt == 0:
            # no counted ground truth: AP 0, out of the precision/recall means
            ap[type_id] = 0.0
            precision[type_id] = recall[type_id] = float('nan')
            continue
        scores = detections.scores[members]
        ranked = _descending(scores)
        hits = tp[members][ranked]
        cum_tp = np.cumsum(hits)
        cum_fp = np.cumsum(~hits)
        prec = cum_tp / (cum_tp + cum_fp + EPS)
        rec = cum_tp / float(n_gt)
        ap[type_id] = voc_ap(rec, prec)
        true_positives = int(hits.sum())
        precision[type_id] = (
            true_positives / len(members) if len(members) else 0.0
        )
        recall[type_id] = true_positives / n_gt
        curves[type_id] = ClassCurve(prec, rec, scores[ranked])
    return XViewScores(
        type_ids.tolist(),
        ap,
        precision,
        recall,
        num_gt,
        num_det,
        curves,
        count_all_ground_truth,
        splits,
    )
