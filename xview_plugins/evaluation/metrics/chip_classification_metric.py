"""The benchmark's classification metrics from the confusion matrix."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log


def confusion_matrix(
    labels: np.ndarray, predictions: np.ndarray, num_classes: int
) -> np.ndarray:
    """C[i, j]: samples of class i predicted as j (rows = annotation)."""
    return np.bincount(
        labels * num_classes + predictions, minlength=num_classes**2
    ).reshape(num_classes, num_classes)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with 0 where den is 0 (the benchmark's rule)."""
    return np.divide(
        num, den, out=np.zeros(len(num), np.float64), where=den > 0
    )


def classification_scores(cm: np.ndarray) -> dict:
    """Mean Accuracy = trace / sum; Mean Recall / Precision = mean over classes
    of the diagonal over the row / column sums; per class also Specificity and
    Dice.
    """
    cm = cm.astype(np.float64)
    tp = np.diag(cm)
    fn = cm.sum(1) - tp
    fp = cm.sum(0) - tp
    tn = cm.sum() - tp - fn - fp
    recall = _ratio(tp, tp + fn)
    precision = _ratio(tp, tp + fp)
    return dict(
        mean_accuracy=float(tp.sum() / cm.sum()) if cm.sum() else 0.0,
        mean_recall=float(recall.mean()),
        mean_precision=float(precision.mean()),
        recall=recall,
        precision=precision,
        specificity=_ratio(tn, tn + fp),
        dice=_ratio(2 * tp, 2 * tp + fp + fn),
        support=cm.sum(1),
    )


@METRICS.register_module()
class ChipClassificationMetric(BaseMetric):
    """Mean Accuracy, Mean Recall, Mean Precision (keys ``cls/...``) and a
    per-class table of recall, precision, specificity and Dice in the log. The
    last confusion matrix is kept for ``ConfusionMatrixHook`` (PNG in the work
    dir)."""

    default_prefix = 'cls'

    def __init__(
        self, collect_device: str = 'cpu', prefix: Optional[str] = None
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.last_confusion: Optional[np.ndarray] = None

    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            get = (
                sample.get
                if isinstance(sample, dict)
                else (lambda k: getattr(sample, k))
            )
            self.results.append(
                (int(get('gt_label')[0]), int(get('pred_label')[0]))
            )

    def compute_metrics(self, results: list) -> dict:
        classes = self.dataset_meta['classes']
        labels, predictions = (
            np.array(results, dtype=np.int64).reshape(-1, 2).T
        )
        cm = confusion_matrix(labels, predictions, len(classes))
        self.last_confusion = cm
        scores = classification_scores(cm)
        rows = [
            f'{"class":<20} {"n":>6} {"recall":>7} {"prec.":>7} {"spec.":>7}'
            f' {"dice":>7}'
        ]
        for k, name in enumerate(classes):
            rows.append(
                f'{name:<20} {int(scores["support"][k]):>6}'
                f' {scores["recall"][k]:>7.3f} {scores["precision"][k]:>7.3f}'
                f' {scores["specificity"][k]:>7.3f} {scores["dice"][k]:>7.3f}'
            )
        print_log('\n' + '\n'.join(rows), logger='current')
        return {
            k: scores[k]
            for k in ('mean_accuracy', 'mean_recall', 'mean_precision')
        }
