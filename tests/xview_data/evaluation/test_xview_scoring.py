"""Each official xView scoring rule pinned by a crafted case."""
import numpy as np
import pytest

from xview_data.evaluation import Boxes, match_detections, score_xview, voc_ap


def gt(*rows):
    """(image, type_id, x1, y1, x2, y2)"""
    rows = np.array(rows, float).reshape(-1, 6)
    return Boxes(rows[:, 0], rows[:, 2:], rows[:, 1])


def det(*rows):
    """(image, type_id, x1, y1, x2, y2, score)"""
    rows = np.array(rows, float).reshape(-1, 7)
    return Boxes(rows[:, 0], rows[:, 2:6], rows[:, 1], rows[:, 6])


def test_greedy_matching_has_no_fallback_to_the_second_best_box():
    truth = gt((0, 18, 0, 0, 10, 10), (0, 18, 4, 0, 14, 10))
    # both detections overlap box A best; the second is a FP although box B is free and
    # overlaps it with IoU 70 / 130 = 0.54 (a fallback would have matched it)
    found = det((0, 18, 0, 0, 10, 10, 0.9), (0, 18, 1, 0, 11, 10, 0.8))
    assert match_detections(found, truth).tolist() == [True, False]


def test_matching_follows_score_order_not_input_order():
    truth = gt((0, 18, 0, 0, 10, 10))
    found = det((0, 18, 1, 1, 11, 11, 0.3), (0, 18, 0, 0, 10, 10, 0.9))
    assert match_detections(found, truth).tolist() == [False, True]


def test_iou_threshold_is_inclusive_and_classes_and_images_do_not_mix():
    truth = gt((0, 18, 0, 0, 10, 10), (1, 18, 0, 0, 10, 10))
    # IoU exactly 0.5: 10x10 box against a 10x20 box containing it
    found = det((0, 18, 0, 0, 10, 20, 0.9), (0, 19, 0, 0, 10, 10, 0.9), (2, 18, 0, 0, 10, 10, .9))
    assert match_detections(found, truth).tolist() == [True, False, False]


def test_ties_on_iou_take_the_first_ground_truth_box():
    truth = gt((0, 18, 0, 0, 10, 10), (0, 18, 0, 0, 10, 10))
    found = det((0, 18, 0, 0, 10, 10, 0.9), (0, 18, 0, 0, 10, 10, 0.8))
    # both choose the first (argmax); the second is a FP, the duplicate box stays unmatched
    assert match_detections(found, truth).tolist() == [True, False]


def test_voc_all_point_ap():
    # precision made monotone from the right, summed where recall changes
    assert voc_ap(np.array([0.5, 0.5, 1.0]), np.array([1.0, 0.5, 2 / 3])) == pytest.approx(
        0.5 * 1.0 + 0.5 * (2 / 3))
    assert voc_ap(np.array([]), np.array([])) == 0.0


def test_scored_classes_splits_precision_recall_and_f1():
    truth = gt((0, 18, 0, 0, 10, 10), (0, 18, 20, 20, 30, 30), (0, 13, 50, 50, 90, 90),
               (0, 75, 0, 0, 5, 5), (1, 18, 0, 0, 10, 10))
    found = det((0, 18, 0, 0, 10, 10, 0.9), (0, 18, 40, 40, 45, 45, 0.8),
                (1, 18, 0, 0, 10, 10, 0.7), (0, 75, 0, 0, 5, 5, 0.9), (0, 11, 0, 0, 5, 5, 0.9))
    scores = score_xview(found, truth)
    # 75 is never scored, 11 has no ground truth, 13 has ground truth but no detection
    assert sorted(scores.ap) == [13, 18]
    assert scores.ap[13] == 0.0
    # class 18 in score order: TP, FP, TP over 3 boxes -> AP = 1/3 * 1 + 1/3 * 2/3
    assert scores.ap[18] == pytest.approx(1 / 3 + 2 / 9)
    metrics = scores.metrics()
    assert metrics['map'] == pytest.approx((1 / 3 + 2 / 9) / 2)
    assert scores.precision[18] == pytest.approx(2 / 3) and scores.recall[18] == pytest.approx(2 / 3)
    assert metrics['precision'] == pytest.approx(1 / 3) and metrics['recall'] == pytest.approx(1 / 3)
    assert metrics['f1'] == pytest.approx(1 / 3)
    assert metrics['map/small'] == pytest.approx(scores.ap[18])  # 18 is small, 13 large
    assert metrics['map/large'] == 0.0 and np.isnan(metrics['map/medium'])


def test_zero_scores_are_dropped_and_bad_detections_refused():
    truth = gt((0, 18, 0, 0, 10, 10))
    scores = score_xview(det((0, 18, 0, 0, 10, 10, 0.0), (0, 18, 0, 0, 10, 10, 0.5)), truth)
    assert scores.num_det[18] == 1 and scores.ap[18] == pytest.approx(1.0)
    with pytest.raises(ValueError, match='a.tif.*negative coordinates'):
        score_xview(det((0, 18, -1, 0, 10, 10, 0.5)), truth, names=['a.tif'])
    with pytest.raises(ValueError, match='score outside'):
        score_xview(det((0, 18, 0, 0, 10, 10, 1.5)), truth)
