"""The official xView scoring as an mmengine metric, next to mmdet's COCO mAP."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from xview_data.evaluation import Boxes, score_xview
from xview_data.structures import load_class_map


def _ground_truth(sample: dict) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (original image pixels) and labels of a sample, ignored boxes left out."""
    instances = sample.get('instances')
    if instances is not None:
        kept = [i for i in instances if not i.get('ignore_flag', 0)]
        boxes = np.array([i['bbox'] for i in kept], np.float64).reshape(-1, 4)
        return boxes, np.array([i['bbox_label'] for i in kept], np.int64)
    gt = sample['gt_instances']
    boxes = gt['bboxes'].cpu().numpy().astype(np.float64).reshape(-1, 4)
    if 'scale_factor' in sample:  # gt_instances live in the resized image
        boxes = boxes / np.tile(np.asarray(sample['scale_factor'], np.float64), 2)
    return boxes, gt['labels'].cpu().numpy().astype(np.int64)


@METRICS.register_module()
class XViewMetric(BaseMetric):
    """mAP, precision, recall and F1 by the official xView rules (greedy matching without
    fallback, VOC all-point AP, classes present in the ground truth less 75/82/87), mAP of
    the scorer's small / medium / large / common / rare splits, and a per-class table with
    xView type ids in the log. Every evaluated image (tile or whole scene) is one image.

    Args:
        classes: the class map that turns label indices into xView type ids.
        iou_threshold: IoU of a match (0.5 officially).
    """

    default_prefix = 'xview'

    def __init__(self, classes='seed12', iou_threshold: float = 0.5,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.class_map = load_class_map(classes)
        self.iou_threshold = iou_threshold

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_instances']
            gt_boxes, gt_labels = _ground_truth(sample)
            self.results.append(dict(
                gt_boxes=gt_boxes, gt_labels=gt_labels,
                boxes=pred['bboxes'].cpu().numpy().astype(np.float64).reshape(-1, 4),
                labels=pred['labels'].cpu().numpy().astype(np.int64),
                scores=pred['scores'].cpu().numpy().astype(np.float64)))

    def compute_metrics(self, results: list) -> dict:
        type_ids = np.asarray(self.class_map.type_ids)

        def stack(key):
            return np.concatenate([r[key] for r in results]) if results else np.zeros(0)

        def images(key):
            return np.concatenate([np.full(len(r[key]), i) for i, r in enumerate(results)]) \
                if results else np.zeros(0, np.int64)
        ground_truth = Boxes(images('gt_labels'), stack('gt_boxes'),
                             type_ids[stack('gt_labels').astype(np.int64)])
        # negative coordinates of boxes at a tile's edge are clipped, as a submission must be
        detections = Boxes(images('labels'), stack('boxes').clip(0),
                           type_ids[stack('labels').astype(np.int64)],
                           stack('scores').clip(0, 1))
        scores = score_xview(detections, ground_truth, self.iou_threshold)
        names = dict(zip(self.class_map.type_ids, self.class_map.names))
        rows = [f'{"type_id":>7}  {"class":<20}{"gt":>6}{"dets":>7}{"AP":>8}{"prec":>8}{"rec":>8}']
        for type_id, ap in scores.ap.items():
            rows.append(f'{type_id:>7}  {names.get(type_id, str(type_id)):<20}'
                        f'{scores.num_gt[type_id]:>6}{scores.num_det[type_id]:>7}{ap:>8.3f}'
                        f'{scores.precision[type_id]:>8.3f}{scores.recall[type_id]:>8.3f}')
        print_log('official xView scoring (IoU >= %.2f):\n' % self.iou_threshold +
                  '\n'.join(rows), logger='current')
        metrics = scores.metrics()
        return {key.replace('/', '_'): value for key, value in metrics.items()
                if not key.startswith('ap/') and not (isinstance(value, float) and
                                                      np.isnan(value))}
