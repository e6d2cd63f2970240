"""The official xView scoring rules (``shared/reference/README.md``), vectorized with numpy.

Per image and class, detections in score order each take the ground-truth box of highest
IoU (the first one on ties); the detection is a true positive when that IoU is at least the
threshold and the box is not matched yet, else a false positive: there is no fallback to
the second-best box. Per class over all images: cumulative TP / FP in score order, PASCAL
VOC all-point AP. Scored classes: those in the ground truth, less 75/82/87.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

import numpy as np

from ..structures import NOT_SCORED_TYPE_IDS, OFFICIAL_SCORER_SPLITS

EPS = np.finfo(np.float64).eps
# IoU pairs evaluated per numpy call: bounds memory on scenes with thousands of boxes.
_PAIR_CHUNK = 4_000_000


@dataclass
class Boxes:
    """Boxes of many images: ``image`` (int ids), ``boxes`` (N, 4) xyxy, ``type_ids`` and,
    for detections, ``scores``."""

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
        return Boxes(self.image[keep], self.boxes[keep], self.type_ids[keep],
                     None if self.scores is None else self.scores[keep])


@dataclass
class ClassCurve:
    """Precision and recall after each detection of a class, in score order."""

    precision: np.ndarray
    recall: np.ndarray
    scores: np.ndarray


@dataclass
class XViewScores:
    ap: dict[int, float]                      # type id -> AP
    precision: dict[int, float]               # type id -> TP / detections
    recall: dict[int, float]                  # type id -> TP / ground truth
    num_gt: dict[int, int]
    num_det: dict[int, int]
    curves: dict[int, ClassCurve] = field(default_factory=dict)
    splits: Mapping[str, Iterable[int]] = field(default_factory=lambda: OFFICIAL_SCORER_SPLITS)

    @property
    def map(self) -> float:
        return float(np.mean(list(self.ap.values()))) if self.ap else 0.0

    def metrics(self) -> dict[str, float]:
        """The official scorer's numbers: mAP, per-split mAP, mean precision / recall, F1,
        and per-class AP keyed by type id."""
        precision = float(np.mean(list(self.precision.values()))) if self.precision else 0.0
        recall = float(np.mean(list(self.recall.values()))) if self.recall else 0.0
        out = {'map': self.map}
        for split, members in self.splits.items():
            aps = [self.ap[t] for t in members if t in self.ap]
            out[f'map/{split}'] = float(np.mean(aps)) if aps else float('nan')
        out.update({'precision': precision, 'recall': recall,
                    'f1': 2 * precision * recall / (precision + recall) if precision + recall
                    else 0.0})
        out.update({f'ap/{t}': ap for t, ap in sorted(self.ap.items())})
        return out


def validate_detections(detections: Boxes, names: Optional[list[str]] = None) -> Boxes:
    """Drop detections with score <= 0; refuse negative coordinates and scores above 1,
    naming the image."""
    bad = (detections.boxes < 0).any(1) | (detections.scores > 1) | ~np.isfinite(
        detections.boxes).all(1) | ~np.isfinite(detections.scores)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        image = names[detections.image[first]] if names else detections.image[first]
        raise ValueError(f'{image}: detection {detections.boxes[first].tolist()} score '
                         f'{detections.scores[first]}: negative coordinates or a score outside '
                         f'[0, 1] ({int(bad.sum())} such detections)')
    return detections.take(detections.scores > 0)


def _group_keys(image: np.ndarray, type_ids: np.ndarray) -> np.ndarray:
    return image.astype(np.int64) * 1024 + type_ids


def match_detections(detections: Boxes, ground_truth: Boxes,
                     iou_threshold: float = 0.5) -> np.ndarray:
    """True-positive flags of the detections under the official greedy matching."""
    n = len(detections)
    if n == 0:
        return np.zeros(0, bool)
    # Ground truth sorted by (image and class, x1): a detection only needs the boxes of its
    # group whose x-extent can overlap its own (x1 in [x1_det - widest box, x2_det)); the
    # others have IoU 0 and cannot be its match.
    gt_keys = _group_keys(ground_truth.image, ground_truth.type_ids)
    det_keys = _group_keys(detections.image, detections.type_ids)
    boxes = ground_truth.boxes
    x_origin = min(boxes[:, 0].min(initial=0.0), detections.boxes[:, 0].min())
    x_span = max(np.max(boxes[:, 2], initial=0.0), detections.boxes[:, 2].max()) - x_origin + 1
    # one sort key (group, x1): a group's keys lie in [key * stride, key * stride + x_span],
    # and the query margin below (the widest box) stays above the previous group's keys
    stride = 2 * x_span + 4
    gt_sort_key = gt_keys * stride + (boxes[:, 0] - x_origin)
    gt_order = np.argsort(gt_sort_key, kind='stable')
    sorted_key = gt_sort_key[gt_order]
    sorted_groups = gt_keys[gt_order]
    group_starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]) \
        if len(gt_order) else np.zeros(0, np.int64)
    groups = sorted_groups[group_starts]
    widths = (boxes[:, 2] - boxes[:, 0])[gt_order]
    widest = np.maximum.reduceat(widths, group_starts) if len(groups) else np.zeros(0)
    det_group = np.searchsorted(groups, det_keys).clip(0, max(len(groups) - 1, 0))
    in_group = (groups[det_group] == det_keys) if len(groups) else np.zeros(n, bool)
    base = det_keys * stride - x_origin
    margin = widest[det_group] if len(groups) else np.zeros(n)
    starts = np.searchsorted(sorted_key, base + detections.boxes[:, 0] - margin, 'left')
    ends = np.searchsorted(sorted_key, base + detections.boxes[:, 2], 'left')
    counts = np.where(in_group, ends - starts, 0)
    best_iou = np.zeros(n)
    best_gt = np.full(n, -1, np.int64)
    cumulative = np.cumsum(counts)
    bounds = [0]
    while bounds[-1] < n:
        done = cumulative[bounds[-1] - 1] if bounds[-1] else 0
        end = int(np.searchsorted(cumulative, done + _PAIR_CHUNK, 'right'))
        bounds.append(min(n, max(end, bounds[-1] + 1)))
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        idx = np.arange(lo, hi)
        idx = idx[counts[idx] > 0]
        if not len(idx):
            continue
        reps = counts[idx]
        pair_det = np.repeat(idx, reps)
        offsets = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        pair_gt = gt_order[np.repeat(starts[idx], reps) + offsets]
        d = detections.boxes[pair_det]
        g = ground_truth.boxes[pair_gt]
        iw = (np.minimum(d[:, 2], g[:, 2]) - np.maximum(d[:, 0], g[:, 0])).clip(0)
        ih = (np.minimum(d[:, 3], g[:, 3]) - np.maximum(d[:, 1], g[:, 1])).clip(0)
        inter = iw * ih
        union = ((d[:, 2] - d[:, 0]) * (d[:, 3] - d[:, 1]) +
                 (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1]) - inter)
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        segment = np.cumsum(reps) - reps
        best = np.maximum.reduceat(iou, segment)
        # on equal IoU the official np.argmax takes the box listed first
        is_best = iou == np.repeat(best, reps)
        best_gt[idx] = np.minimum.reduceat(np.where(is_best, pair_gt, len(ground_truth)),
                                           segment)
        best_iou[idx] = best
    candidate = np.flatnonzero(best_iou >= iou_threshold)
    tp = np.zeros(n, bool)
    if len(candidate):
        # Within an image and class, detections go in descending score (ties: input order);
        # the first candidate claiming a ground-truth box gets it, later ones are FPs.
        order = np.lexsort((candidate, -detections.scores[candidate], best_gt[candidate]))
        claimed = best_gt[candidate][order]
        first_claim = np.ones(len(order), bool)
        first_claim[1:] = claimed[1:] != claimed[:-1]
        tp[candidate[order[first_claim]]] = True
    return tp


def voc_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """PASCAL VOC all-point AP: precision made monotone from the right, summed where recall
    changes."""
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    changes = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[changes + 1] - mrec[changes]) * mpre[changes + 1]))


def score_xview(detections: Boxes, ground_truth: Boxes, iou_threshold: float = 0.5,
                ignored_type_ids: Iterable[int] = NOT_SCORED_TYPE_IDS,
                splits: Mapping[str, Iterable[int]] = OFFICIAL_SCORER_SPLITS,
                names: Optional[list[str]] = None) -> XViewScores:
    """Score ``detections`` against ``ground_truth`` with the official xView rules.

    Both are ``Boxes`` over the same integer image ids; ``names`` (image id -> file name)
    only serves error messages."""
    detections = validate_detections(detections, names)
    scored = sorted(set(np.unique(ground_truth.type_ids).tolist()) - set(ignored_type_ids))
    detections = detections.take(np.isin(detections.type_ids, scored))
    tp = match_detections(detections, ground_truth, iou_threshold)
    ap, precision, recall, num_gt, num_det, curves = {}, {}, {}, {}, {}, {}
    order = np.lexsort((np.arange(len(detections)), -detections.scores, detections.type_ids))
    sorted_types = detections.type_ids[order]
    gt_counts = dict(zip(*np.unique(ground_truth.type_ids, return_counts=True)))
    for type_id in scored:
        lo, hi = np.searchsorted(sorted_types, [type_id, type_id + 1])
        members = order[lo:hi]
        hits = tp[members]
        n_gt = int(gt_counts[type_id])
        cum_tp = np.cumsum(hits)
        cum_fp = np.cumsum(~hits)
        rec = cum_tp / n_gt
        prec = cum_tp / (cum_tp + cum_fp + EPS)
        ap[type_id] = voc_ap(rec, prec) if len(members) else 0.0
        true_positives = int(cum_tp[-1]) if len(members) else 0
        precision[type_id] = true_positives / len(members) if len(members) else 0.0
        recall[type_id] = true_positives / n_gt
        num_gt[type_id], num_det[type_id] = n_gt, int(len(members))
        curves[type_id] = ClassCurve(prec, rec, detections.scores[members])
    return XViewScores(ap, precision, recall, num_gt, num_det, curves, splits)
