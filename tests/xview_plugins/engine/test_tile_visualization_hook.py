"""Drawing a tile never changes the predictions the metrics hold: mmengine's
metrics keep views of the prediction tensors (COCO's does), and a drawing that
clipped boxes in place changed the COCO mAP of `tools/test.py --show-dir`."""

import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from xview_plugins.engine.hooks.tile_visualization_hook import clipped_to


def test_clipping_for_the_drawing_leaves_the_sample_alone():
    sample = DetDataSample()
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor([[-5.0, 10.0, 70.0, 90.0]]),
        scores=torch.tensor([0.9]),
        labels=torch.tensor([1]),
    )
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[60.0, -2.0, 80.0, 20.0]]),
        labels=torch.tensor([0]),
    )
    held_by_a_metric = sample.pred_instances.bboxes.numpy()
    drawn = clipped_to(sample, (64, 64))
    assert drawn.pred_instances.bboxes.tolist() == [[0.0, 10.0, 64.0, 64.0]]
    assert drawn.gt_instances.bboxes.tolist() == [[60.0, 0.0, 64.0, 20.0]]
    assert held_by_a_metric.tolist() == [[-5.0, 10.0, 70.0, 90.0]]
    assert sample.gt_instances.bboxes.tolist() == [[60.0, -2.0, 80.0, 20.0]]
