import numpy as np
import pytest

from xview_plugins.evaluation import (
    ChipClassificationMetric,
    classification_scores,
    confusion_matrix,
)


def test_scores_follow_the_benchmark_definitions():
    # rows = annotation, columns = prediction
    cm = np.array([[5, 1, 0], [2, 2, 0], [0, 0, 0]])
    s = classification_scores(cm)
    # ratios of counts in float64, a few ulps off: approx's rel 1e-6 covers
    assert s['mean_accuracy'] == pytest.approx(7 / 10)
    assert s['mean_recall'] == pytest.approx(
        (5 / 6 + 2 / 4 + 0) / 3
    )  # empty row -> 0
    assert s['mean_precision'] == pytest.approx(
        (5 / 7 + 2 / 3 + 0) / 3
    )  # empty column -> 0
    assert s['specificity'][0] == pytest.approx(2 / (2 + 2))  # TN / (TN + FP)
    assert s['dice'][1] == pytest.approx(2 * 2 / (2 * 2 + 1 + 2))


def test_metric_keeps_the_confusion_matrix():
    metric = ChipClassificationMetric()
    metric.dataset_meta = dict(classes=('a', 'b'))
    samples = [
        dict(gt_label=np.array([0]), pred_label=np.array([0])),
        dict(gt_label=np.array([1]), pred_label=np.array([0])),
    ]
    metric.process(None, samples)
    result = metric.evaluate(2)
    assert (
        result['cls/mean_accuracy'] == 0.5 and result['cls/mean_recall'] == 0.5
    )
    np.testing.assert_array_equal(metric.last_confusion, [[1, 0], [1, 0]])
    np.testing.assert_array_equal(
        confusion_matrix(np.array([1]), np.array([0]), 2), [[0, 0], [1, 0]]
    )
