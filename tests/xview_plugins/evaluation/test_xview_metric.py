import numpy as np
import pytest
import torch

import xview_plugins  # noqa: F401
from xview_plugins.evaluation import XViewMetric


def sample(gt, pred, scale=None):
    """gt: [(label, box)], pred: [(label, box, score)]; labels are seed12 indices."""
    out = dict(instances=[dict(bbox=list(box), bbox_label=label, ignore_flag=0) for label, box in gt],
               pred_instances=dict(
                   bboxes=torch.tensor([p[1] for p in pred], dtype=torch.float32).reshape(-1, 4),
                   labels=torch.tensor([p[0] for p in pred], dtype=torch.int64),
                   scores=torch.tensor([p[2] for p in pred], dtype=torch.float32)))
    return out


def test_metric_scores_images_with_type_ids_and_the_official_rules():
    metric = XViewMetric()
    metric.dataset_meta = dict(classes=tuple(str(i) for i in range(12)))
    # seed12 index 2 = Small car (type 18), index 0 = Cargo plane (type 13)
    metric.process({}, [sample([(2, (0, 0, 10, 10)), (2, (20, 20, 30, 30)), (0, (50, 50, 90, 90))],
                               [(2, (0, 0, 10, 10), 0.9), (2, (40, 40, 45, 45), 0.8)]),
                        sample([(2, (0, 0, 10, 10))], [(2, (0, 0, 10, 10), 0.7)])])
    results = metric.evaluate(2)
    assert results['xview/map'] == pytest.approx((1 / 3 + 2 / 9) / 2, abs=1e-6)
    assert results['xview/map_large'] == 0.0  # cargo planes: ground truth, no detection
    assert 'xview/map_medium' not in results  # no scored class in that split
    assert set(results) >= {'xview/precision', 'xview/recall', 'xview/f1', 'xview/map_small'}


def test_ignored_ground_truth_is_left_out():
    metric = XViewMetric()
    metric.dataset_meta = dict(classes=tuple(str(i) for i in range(12)))
    data = sample([(2, (0, 0, 10, 10))], [(2, (0, 0, 10, 10), 0.9)])
    data['instances'].append(dict(bbox=[50, 50, 60, 60], bbox_label=2, ignore_flag=1))
    metric.process({}, [data])
    assert metric.evaluate(1)['xview/recall'] == 1.0
