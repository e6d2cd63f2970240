"""Each official xView scoring rule pinned by a crafted case with hand-worked
numbers."""

import numpy as np
import pytest

from xview_data.evaluation import Boxes, official_order, score_xview, voc_ap


def approx(value):
    """AP and its means carry the official eps (precision = TP / (TP + FP +
    eps)): float64 values off by about eps (1e-16), within 1e-12."""
    return pytest.approx(value, abs=1e-12, nan_ok=True)


def gt(*rows):
    """(image, type_id, x1, y1, x2, y2)"""
    rows = np.array(rows, float).reshape(-1, 6)
    return Boxes(rows[:, 0], rows[:, 2:], rows[:, 1])


def det(*rows):
    """(image, type_id, x1, y1, x2, y2, score), in file order"""
    rows = np.array(rows, float).reshape(-1, 7)
    return Boxes(rows[:, 0], rows[:, 2:6], rows[:, 1], rows[:, 6])


def test_greedy_matching_has_no_fallback_to_the_second_best_box():
    truth = gt((0, 18, 0, 0, 10, 10), (0, 18, 4, 0, 14, 10))
    # both detections overlap box A best; the second is a FP although box B is
    # free and overlaps it with IoU 70 / 130 = 0.54 (a fallback would have
    # matched it)
    scores = score_xview(
        det((0, 18, 0, 0, 10, 10, 0.9), (0, 18, 1, 0, 11, 10, 0.8)), truth
    )
    assert scores.precision[18] == 0.5 and scores.recall[18] == 0.5
    # TP then FP over 2 boxes: AP = 0.5 * 1
    assert scores.ap[18] == approx(0.5)


def test_matching_follows_score_order_not_input_order():
    truth = gt((0, 18, 0, 0, 10, 10))
    # the later line has the higher score and takes the box: curve FP-free at
    # rank 1
    scores = score_xview(
        det((0, 18, 1, 1, 11, 11, 0.3), (0, 18, 0, 0, 10, 10, 0.9)), truth
    )
    assert scores.curves[18].precision.tolist() == pytest.approx([1.0, 0.5])
    assert scores.ap[18] == approx(1.0)


def test_iou_threshold_is_inclusive_and_classes_and_images_do_not_mix():
    truth = gt(
        (0, 18, 0, 0, 10, 10), (1, 18, 0, 0, 10, 10), (0, 19, 50, 50, 60, 60)
    )
    # IoU exactly 0.5: a 10x10 box against a 10x20 box containing it; the
    # class-19 detection lies on the class-18 box; image 2 has no ground truth
    found = det(
        (0, 18, 0, 0, 10, 20, 0.9),
        (0, 19, 0, 0, 10, 10, 0.9),
        (1, 18, 0, 0, 10, 10, 0.8),
        (2, 18, 0, 0, 10, 10, 0.7),
    )
    scores = score_xview(found, truth)
    assert scores.num_det[18] == 3 and scores.precision[18] == pytest.approx(
        2 / 3
    )
    assert scores.recall[18] == 1.0 and scores.precision[19] == 0.0


def test_ties_on_iou_take_the_first_ground_truth_box():
    truth = gt((0, 18, 0, 0, 10, 10), (0, 18, 0, 0, 10, 10))
    # both choose the first box (argmax); the second is a FP, the duplicate box
    # stays unmatched
    scores = score_xview(
        det((0, 18, 0, 0, 10, 10, 0.9), (0, 18, 0, 0, 10, 10, 0.8)), truth
    )
    assert scores.precision[18] == 0.5 and scores.recall[18] == 0.5


def test_voc_all_point_ap():
    # precision made monotone from the right, summed where recall changes
    assert voc_ap(
        np.array([0.5, 0.5, 1.0]), np.array([1.0, 0.5, 2 / 3])
    ) == pytest.approx(0.5 * 1.0 + 0.5 * (2 / 3))
    assert voc_ap(np.array([]), np.array([])) == 0.0


def test_ground_truth_counts_only_in_images_holding_a_detection_of_the_class():
    # a.tif (0): two cars; b.tif (1): a car and a cargo plane (13); c.tif (2):
    # a car and no detections at all (as an image without a prediction file)
    truth = gt(
        (0, 18, 0, 0, 10, 10),
        (0, 18, 20, 20, 30, 30),
        (1, 18, 0, 0, 10, 10),
        (1, 13, 50, 50, 90, 90),
        (2, 18, 0, 0, 10, 10),
    )
    # cars are predicted in a.tif only; the plane in b.tif
    found = det((0, 18, 0, 0, 10, 10, 0.9), (1, 13, 50, 50, 90, 90, 0.8))
    official = score_xview(found, truth, names=['a.tif', 'b.tif', 'c.tif'])
    # official: the cars of b.tif and c.tif do not count -> 18: 1 TP of 2 boxes
    assert official.num_gt == {13: 1, 18: 2}
    assert official.ap == approx({13: 1.0, 18: 0.5}) and official.recall == {
        13: 1.0,
        18: 0.5,
    }
    metrics = official.metrics()
    assert metrics['map'] == approx(0.75) and metrics['map_score'] == 1.0
    assert metrics['mar_score'] == 0.75
    assert metrics['f1'] == pytest.approx(2 / (1 / 1.0 + 1 / 0.75))
    assert metrics['map/small'] == approx(0.5) and metrics[
        'map/large'
    ] == approx(1.0)  # 18 small, 13 large
    assert np.isnan(metrics['map/medium']) and metrics['map/common'] == approx(
        0.75
    )
    # every box counted: 18 has 1 TP of 4 boxes
    corrected = score_xview(
        found,
        truth,
        count_all_ground_truth=True,
        names=['a.tif', 'b.tif', 'c.tif'],
    )
    assert corrected.num_gt == {13: 1, 18: 4}
    assert corrected.ap[18] == approx(0.25) and corrected.metrics()[
        'map'
    ] == approx(0.625)
    assert corrected.metrics()['mar_score'] == 0.625


def test_a_class_without_counted_ground_truth_scores_zero_outside_the_means():
    # b.tif's plane has no detection of its class anywhere (an empty prediction
    # file)
    truth = gt(
        (0, 18, 0, 0, 10, 10), (1, 13, 50, 50, 90, 90), (0, 75, 0, 0, 5, 5)
    )
    found = det(
        (0, 18, 0, 0, 10, 10, 0.9),
        (0, 75, 0, 0, 5, 5, 0.9),
        (0, 11, 0, 0, 5, 5, 0.9),
    )
    scores = score_xview(found, truth)
    # 75 is never scored (but listed), 11 has no ground truth: its detection is
    # ignored
    assert scores.type_ids == [13, 18, 75] and sorted(scores.ap) == [13, 18]
    assert scores.ap[13] == 0.0 and np.isnan(scores.precision[13])
    metrics = scores.metrics()
    assert (
        metrics['map'] == approx(0.5)
        and metrics['map_score'] == 1.0
        and metrics['mar_score'] == 1.0
    )
    assert (
        np.isnan(metrics[75])
        and metrics[13] == 0.0
        and metrics[18] == approx(1.0)
    )
    assert list(metrics) == [
        'map',
        'map_score',
        'mar_score',
        'map/small',
        'map/medium',
        'map/large',
        'map/common',
        'map/rare',
        13,
        18,
        75,
        'f1',
    ]
    corrected = score_xview(
        found, truth, count_all_ground_truth=True
    ).metrics()
    assert corrected['map'] == approx(0.5) and corrected['map_score'] == 0.5
    assert corrected['mar_score'] == 0.5


def test_tied_scores_follow_numpy_default_argsort_reversed():
    # two detections with the same score compete for one box: the one numpy's
    # default argsort (reversed) puts first takes it, and the class's curve
    # orders the tie the same
    truth = gt((0, 18, 0, 0, 10, 10))
    found = det((0, 18, 0, 0, 10, 10, 0.5), (0, 18, 0, 0, 10, 11, 0.5))
    scores = score_xview(found, truth)
    first = int(np.argsort(np.array([0.5, 0.5]))[::-1][0])
    # processed first: line `first` (TP). In the class array [first, other] the
    # same call puts position `first` first again: with first == 1 that is the
    # FP -> curve FP, TP
    expected = 0.5 if first == 1 else 1.0
    assert scores.ap[18] == approx(expected)
    # an input-order tie break (a stable sort) would give TP then FP: AP 1.0
    assert first == 1, (
        'numpy on this CPU keeps the tie order the README describes'
    )
    assert scores.precision[18] == 0.5 and scores.recall[18] == 1.0


def test_official_order_is_numpy_argsort_reversed_per_group():
    rng = np.random.default_rng(0)
    group = rng.integers(0, 5, 400)
    scores = rng.choice([0.25, 0.5, 0.75], 400)
    order = official_order(group, scores)
    for g in range(5):
        members = np.flatnonzero(group == g)
        expected = members[np.argsort(scores[members])[::-1]]
        assert order[group[order] == g].tolist() == expected.tolist()


def test_type_ids_above_1023_do_not_collide_with_images():
    # a.tif: a type-1030 box; b.tif: two type-6 boxes. A key image * 1024 +
    # type_id would put (a.tif, 1030) and (b.tif, 6) in one group, matching the
    # 1030 detection of a.tif to the second box of b.tif
    truth = gt(
        (0, 1030, 0, 0, 10, 10), (1, 6, 0, 0, 10, 10), (1, 6, 20, 20, 30, 30)
    )
    found = det((1, 6, 0, 0, 10, 10, 0.9), (0, 1030, 20, 20, 30, 30, 0.8))
    scores = score_xview(found, truth, names=['a.tif', 'b.tif'])
    assert scores.ap == approx({6: 0.5, 1030: 0.0})
    assert scores.precision[1030] == 0.0 and scores.recall[6] == 0.5
    assert (
        scores.metrics()['map'] == approx(0.25)
        and scores.metrics()[1030] == 0.0
    )


def test_images_are_concatenated_in_file_name_order():
    # one tie across two images: the class array is [10.tif's detection,
    # 2.tif's detection] (string order), and the tie order of that array
    # decides which comes first
    truth = gt((0, 18, 0, 0, 10, 10))
    found = det((0, 18, 0, 0, 10, 10, 0.5), (1, 18, 0, 0, 10, 10, 0.5))
    by_name = score_xview(
        found, truth, names=['2.tif', '10.tif']
    )  # TP in 2.tif
    swapped = score_xview(
        found, truth, names=['10.tif', '2.tif']
    )  # TP in 10.tif
    first = int(np.argsort(np.array([0.5, 0.5]))[::-1][0])
    # array order [10.tif, 2.tif]: position `first` leads the curve
    assert by_name.ap[18] == approx(1.0 if first == 1 else 0.5)
    assert swapped.ap[18] == approx(0.5 if first == 1 else 1.0)


def test_zero_scores_are_dropped_and_bad_detections_refused():
    truth = gt((0, 18, 0, 0, 10, 10))
    scores = score_xview(
        det((0, 18, 0, 0, 10, 10, 0.0), (0, 18, 0, 0, 10, 10, 0.5)), truth
    )
    assert scores.num_det[18] == 1 and scores.ap[18] == pytest.approx(1.0)
    with pytest.raises(ValueError, match='a.tif.*negative coordinates'):
        score_xview(det((0, 18, -1, 0, 10, 10, 0.5)), truth, names=['a.tif'])
    with pytest.raises(ValueError, match='score outside'):
        score_xview(det((0, 18, 0, 0, 10, 10, 1.5)), truth)
    with pytest.raises(ValueError, match='score outside'):
        score_xview(det((0, 18, 0, 0, 10, 10, -0.5)), truth)


def test_degenerate_boxes_never_match():
    # a zero-area and an inverted ground-truth box (area -50) count in the
    # ground truth but cannot be matched; a zero-area detection is a false
    # positive
    truth = gt(
        (0, 18, 0, 0, 10, 10), (0, 18, 5, 5, 5, 9), (0, 18, 40, 40, 30, 45)
    )
    found = det((0, 18, 0, 0, 10, 10, 0.9), (0, 18, 5, 5, 5, 9, 0.8))
    scores = score_xview(found, truth)
    assert scores.num_gt[18] == 3 and scores.precision[18] == 0.5
    # a detection whose area (100) cancels an inverted box's (-100) has IoU 0 /
    # 0 = NaN with it, which the official np.argmax picks: a false positive
    # although it covers a real box
    cancel = score_xview(
        det((0, 18, 0, 0, 10, 10, 0.9)),
        gt((0, 18, 0, 0, 10, 10), (0, 18, 60, 60, 50, 70)),
    )
    assert cancel.precision[18] == 0.0 and cancel.ap[18] == 0.0


def brute_force_pairs(det, det_group, gt, gt_group, t):
    """Every (detection, ground truth) pair of one group with IoU >= t, by
    the full IoU matrix."""
    x1 = np.maximum(det[:, None, 0], gt[None, :, 0])
    y1 = np.maximum(det[:, None, 1], gt[None, :, 1])
    x2 = np.minimum(det[:, None, 2], gt[None, :, 2])
    y2 = np.minimum(det[:, None, 3], gt[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # noqa: E731
    union = area(det)[:, None] + area(gt)[None, :] - inter
    iou = inter / np.maximum(union, 1e-12)
    same = det_group[:, None] == gt_group[None, :]
    return set(zip(*np.nonzero((iou >= t) & same)))


@pytest.mark.parametrize('t', [0.1, 0.5, 0.9])
def test_the_candidate_search_misses_no_pair_that_reaches_the_threshold(t):
    """The scorer looks up candidate ground truth by bands of y1 and ranges
    of x1 (a superset of the pairs that can match): on boxes of every size
    and aspect, and detections placed near the threshold, it holds every pair
    the full IoU matrix finds."""
    from xview_data.evaluation.xview_scoring import _candidate_pairs

    rng = np.random.default_rng(int(t * 10))
    for _ in range(30):
        n = int(rng.integers(5, 60))
        xy = rng.uniform(0, 300, (n, 2))
        wh = np.exp(rng.uniform(np.log(0.5), np.log(120), (n, 2)))
        gt = np.concatenate([xy, xy + wh], 1)
        gt_group = rng.integers(0, 3, n)
        # detections: ground truth moved and scaled by up to its own size
        # (many near the threshold), and some anywhere
        pick = rng.integers(0, n, 2 * n)
        shift = rng.uniform(-0.6, 0.6, (2 * n, 2)) * wh[pick]
        scale = np.exp(rng.uniform(-0.7, 0.7, (2 * n, 2)))
        centre = (gt[pick, :2] + gt[pick, 2:]) / 2 + shift
        half = wh[pick] * scale / 2
        det = np.concatenate([centre - half, centre + half], 1)
        det_group = np.where(
            rng.random(2 * n) < 0.8, gt_group[pick], rng.integers(0, 3, 2 * n)
        )
        q_det, starts, ends, order = _candidate_pairs(
            det, det_group, gt, gt_group, t
        )
        found = {
            (int(d), int(order[k]))
            for d, s, e in zip(q_det, starts, ends)
            for k in range(s, e)
        }
        assert brute_force_pairs(det, det_group, gt, gt_group, t) <= found
