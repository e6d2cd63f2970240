import numpy as np
import pytest
import torch

import xview_plugins  # noqa: F401
from xview_data.structures import BENCHMARK12
from xview_plugins.evaluation import XViewMetric

# what XViewDataset publishes for the 12-class map
BENCHMARK12_META = dict(
    classes=BENCHMARK12.names, xview_type_ids=BENCHMARK12.type_ids
)


def sample(gt, pred, scale=None):
    """gt: [(label, box)], pred: [(label, box, score)]; labels are benchmark12
    indices."""
    out = dict(
        instances=[
            dict(bbox=list(box), bbox_label=label, ignore_flag=0)
            for label, box in gt
        ],
        pred_instances=dict(
            bboxes=torch.tensor(
                [p[1] for p in pred], dtype=torch.float32
            ).reshape(-1, 4),
            labels=torch.tensor([p[0] for p in pred], dtype=torch.int64),
            scores=torch.tensor([p[2] for p in pred], dtype=torch.float32),
        ),
    )
    return out


def test_metric_scores_images_with_type_ids_and_the_official_rules():
    metric = XViewMetric()
    metric.dataset_meta = BENCHMARK12_META
    # benchmark12 index 2: Small car (type 18), index 0: Cargo plane (13)
    metric.process(
        {},
        [
            sample(
                [
                    (2, (0, 0, 10, 10)),
                    (2, (20, 20, 30, 30)),
                    (0, (50, 50, 90, 90)),
                ],
                [(2, (0, 0, 10, 10), 0.9), (2, (40, 40, 45, 45), 0.8)],
            ),
            sample([(2, (0, 0, 10, 10))], [(2, (0, 0, 10, 10), 0.7)]),
        ],
    )
    results = metric.evaluate(2)
    # a mean of precision-recall areas: float64 round-off, far below 1e-6
    assert results['xview/map'] == pytest.approx((1 / 3 + 2 / 9) / 2, abs=1e-6)
    assert (
        results['xview/map_large'] == 0.0
    )  # cargo planes: ground truth, no detection
    assert 'xview/map_medium' not in results  # no scored class in that split
    assert set(results) >= {
        'xview/precision',
        'xview/recall',
        'xview/f1',
        'xview/map_small',
    }


def test_ignored_ground_truth_is_left_out():
    metric = XViewMetric()
    metric.dataset_meta = BENCHMARK12_META
    data = sample([(2, (0, 0, 10, 10))], [(2, (0, 0, 10, 10), 0.9)])
    data['instances'].append(
        dict(bbox=[50, 50, 60, 60], bbox_label=2, ignore_flag=1)
    )
    metric.process({}, [data])
    assert metric.evaluate(1)['xview/recall'] == 1.0


def test_metric_gives_the_cli_numbers_for_the_same_detections(tmp_path):
    """The same detections written as a submission and scored by
    tools/xview_score.py's library path give the metric's numbers, in both
    counting variants (ties included: scores are multiples of 1/8, exact in
    float32 and in the files' 5 decimals).
    """
    from tests.conftest import write_geojson
    from xview_data.evaluation import score_submission
    from xview_data.formats import write_submission_file
    from xview_data.structures import BENCHMARK12

    rng = np.random.default_rng(3)
    type_ids = np.array(BENCHMARK12.type_ids)
    features, samples = [], []
    for image in range(6):
        name = f'{image * 7}.tif'  # string order differs from numeric order
        n_gt = int(rng.integers(1, 25))
        xy = rng.integers(0, 200, (n_gt, 2))
        boxes = np.column_stack([xy, xy + rng.integers(4, 30, (n_gt, 2))])
        labels = rng.integers(0, 3, n_gt)
        features += [
            (','.join(map(str, b)), int(type_ids[k]), name)
            for b, k in zip(boxes, labels)
        ]
        picked = rng.random(n_gt) < 0.7
        pred_boxes = np.vstack(
            [
                boxes[picked] + rng.integers(-2, 3, (picked.sum(), 4)),
                rng.integers(0, 200, (3, 4)).cumsum(1),
            ]
        ).clip(0)
        pred_labels = np.r_[labels[picked], rng.integers(0, 3, 3)]
        pred_scores = rng.integers(1, 9, len(pred_labels)) / 8
        write_submission_file(
            tmp_path / 'pred' / f'{name}.txt',
            pred_boxes,
            type_ids[pred_labels],
            pred_scores,
        )
        data = sample(
            list(zip(labels.tolist(), boxes.tolist())),
            list(
                zip(
                    pred_labels.tolist(),
                    pred_boxes.tolist(),
                    pred_scores.tolist(),
                )
            ),
        )
        data['img_path'] = f'/scenes/{name}'
        samples.append(data)
    truth = write_geojson(tmp_path / 'truth.geojson', features)
    for count_all in (False, True):
        metric = XViewMetric(count_all_ground_truth=count_all)
        metric.dataset_meta = BENCHMARK12_META
        metric.process({}, samples)
        results = metric.evaluate(len(samples))
        official = score_submission(tmp_path / 'pred', truth, count_all)[
            0
        ].metrics()
        assert results['xview/map'] == official['map']
        assert results['xview/precision'] == official['map_score']
        assert results['xview/recall'] == official['mar_score']
        assert results['xview/f1'] == official['f1']
        assert results['xview/map_small'] == official['map/small']


def test_the_datasets_type_ids_are_the_class_map():
    """Labels become the type ids the dataset's metainfo names; a metainfo
    without them is refused."""
    data = sample([(0, (0, 0, 10, 10))], [(1, (0, 0, 10, 10), 0.9)])
    metric = XViewMetric(count_all_ground_truth=True)
    metric.dataset_meta = dict(classes=('car', 'bus'), xview_type_ids=(18, 19))
    metric.process({}, [data])
    assert metric.evaluate(1)['xview/map'] == 0.0  # 18 is not 19
    metric.dataset_meta = dict(classes=('car', 'car'), xview_type_ids=(18, 18))
    metric.process({}, [data])
    assert metric.evaluate(1)['xview/recall'] == 1.0
    metric.dataset_meta = dict(classes=('car', 'bus'))
    metric.process({}, [data])
    with pytest.raises(ValueError, match='xview_type_ids'):
        metric.evaluate(1)
