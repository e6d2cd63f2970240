"""The official xView scoring as an mmengine metric, next to mmdet's COCO
mAP."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from xview_data.evaluation import Boxes, score_xview


def _ground_truth(sample: dict) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (original image pixels) and labels of a sample, ignored boxes left
    out."""
    instances = sample.get('instances')
    if instances is not None:
        kept = [i for i in instances if not i.get('ignore_flag', 0)]
        boxes = np.array([i['bbox'] for i in kept], np.float64).reshape(-1, 4)
        return boxes, np.array([i['bbox_label'] for i in kept], np.int64)
    gt = sample['gt_instances']
    boxes = gt['bboxes'].cpu().numpy().astype(np.float64).reshape(-1, 4)
    if 'scale_factor' in sample:  # gt_instances live in the resized image
        boxes = boxes / np.tile(
            np.asarray(sample['scale_factor'], np.float64), 2
        )
    return boxes, gt['labels'].cpu().numpy().astype(np.int64)


def _image_name(sample: dict) -> str:
    """The file name a submission would give this image (``2355.tif``); a
    tile's window is appended so that tiles of one scene stay apart."""
    name = (
        Path(sample['img_path']).name
        if sample.get('img_path')
        else str(sample.get('img_id'))
    )
    window = sample.get('window')
    return name if window is None else f'{name}@{window[0]},{window[1]}'


@METRICS.register_module()
class XViewMetric(BaseMetric):
    """mAP, precision, recall and F1 by the official xView rules, the same
    numbers as ``tools/xview_score.py`` for the same detections: every
    evaluated image (tile or whole scene) is one scored image, named by its
    file name (tiles of one scene get their window appended) and ordered by
    name as the official scorer orders prediction files. Keys: ``map``,
    ``map_small`` ... ``map_rare``, ``precision`` (the official ``map_score``),
    ``recall`` (``mar_score``), ``f1``; a per-class table with xView type ids
    goes to the log.

    Label ``k`` is the xView type id ``dataset_meta['xview_type_ids'][k]``
    (named ``dataset_meta['classes'][k]``): the evaluated dataset's metainfo,
    which mmengine's evaluator hands to every metric, is the one source of the
    class map (``XViewDataset`` publishes both keys).

    Args:
        iou_threshold: IoU of a match (0.5 officially).
        count_all_ground_truth: the corrected variant: every ground-truth box
            counts (by default, as officially, a class's boxes count only in
            images holding a detection of that class).
    """

    default_prefix = 'xview'

    def __init__(
        self,
        iou_threshold: float = 0.5,
        count_all_ground_truth: bool = False,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.iou_threshold = iou_threshold
        self.count_all_ground_truth = count_all_ground_truth

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_instances']
            gt_boxes, gt_labels = _ground_truth(sample)
            self.results.append(
                dict(
                    name=_image_name(sample),
                    gt_boxes=gt_boxes,
                    gt_labels=gt_labels,
                    boxes=pred['bboxes']
                    .cpu()
                    .numpy()
                    .astype(np.float64)
                    .reshape(-1, 4),
                    labels=pred['labels'].cpu().numpy().astype(np.int64),
                    scores=pred['scores'].cpu().numpy().astype(np.float64),
                )
            )

    def compute_metrics(self, results: list) -> dict:
        meta = self.dataset_meta or {}
        if not meta.get('xview_type_ids'):
            raise ValueError(
                'XViewMetric needs the xView type id of every label: the'
                " evaluated dataset's metainfo has no 'xview_type_ids'"
                ' (XViewDataset and XViewTxtDataset publish them; with'
                ' another dataset, add them to its metainfo)'
            )
        type_ids = np.asarray(meta['xview_type_ids'])
        class_names = dict(
            zip(meta['xview_type_ids'], meta.get('classes') or ())
        )

        def stack(key):
            return (
                np.concatenate([r[key] for r in results])
                if results
                else np.zeros(0)
            )

        def images(key):
            return (
                np.concatenate(
                    [np.full(len(r[key]), i) for i, r in enumerate(results)]
                )
                if results
                else np.zeros(0, np.int64)
            )

        ground_truth = Boxes(
            images('gt_labels'),
            stack('gt_boxes'),
            type_ids[stack('gt_labels').astype(np.int64)],
        )
        # negative coordinates of boxes at a tile's edge are clipped, as a
        # submission must be
        detections = Boxes(
            images('labels'),
            stack('boxes').clip(0),
            type_ids[stack('labels').astype(np.int64)],
            stack('scores').clip(0, 1),
        )
        names = [r['name'] for r in results]
        seen = Counter(names)
        names = [
            f'{name}#{k}' if seen[name] > 1 else name
            for k, name in enumerate(names)
        ]
        scores = score_xview(
            detections,
            ground_truth,
            self.iou_threshold,
            self.count_all_ground_truth,
            names=names,
        )
        rows = [
            f'{"type_id":>7} '
            f' {"class":<20}{"gt":>6}{"dets":>7}{"AP":>8}{"prec":>8}{"rec":>8}'
        ]
        for type_id, ap in scores.ap.items():
            rows.append(
                f'{type_id:>7}  {class_names.get(type_id, str(type_id)):<20}'
                f'{scores.num_gt[type_id]:>6}{scores.num_det[type_id]:>7}{ap:>8.3f}'
                f'{scores.precision[type_id]:>8.3f}{scores.recall[type_id]:>8.3f}'
            )
        print_log(
            'official xView scoring (IoU >= %.2f):\n' % self.iou_threshold
            + '\n'.join(rows),
            logger='current',
        )
        official = scores.metrics()
        metrics = {
            'map': official['map'],
            'precision': official['map_score'],
            'recall': official['mar_score'],
            'f1': official['f1'],
        }
        metrics.update(
            {
                key.replace('/', '_'): value
                for key, value in official.items()
                if isinstance(key, str) and key.startswith('map/')
            }
        )
        return {
            key: value for key, value in metrics.items() if not np.isnan(value)
        }
