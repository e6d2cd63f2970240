"""The official YOLOv7 augmentations."""

import numpy as np
import torch
from mmdet.structures.bbox import HorizontalBoxes

import xview_plugins  # noqa: F401
from xview_plugins.datasets.transforms import YOLOv7HSVRandomAug, YOLOv7MixUp


def test_hsv_augmentation_keeps_gray_and_shape():
    np.random.seed(0)
    gray = np.full((8, 8, 3), 100, np.uint8)
    out = YOLOv7HSVRandomAug()(dict(img=gray.copy()))['img']
    assert out.shape == gray.shape and (out[..., 0] == out[..., 1]).all()
    colour = np.random.randint(0, 255, (16, 16, 3), np.uint8)
    assert not np.array_equal(
        YOLOv7HSVRandomAug(0.5, 0.9, 0.9)(dict(img=colour.copy()))['img'],
        colour,
    )


def test_mixup_blends_images_and_keeps_both_box_sets():
    def sample(value, box):
        return dict(
            img=np.full((4, 4, 3), value, np.uint8),
            gt_bboxes=HorizontalBoxes(
                torch.tensor([box], dtype=torch.float32)
            ),
            gt_bboxes_labels=np.array([1]),
            gt_ignore_flags=np.array([False]),
        )

    results = sample(200, [0, 0, 2, 2])
    results['mix_results'] = [sample(0, [1, 1, 3, 3])]
    mixed = YOLOv7MixUp(prob=1.0)(results)
    assert 0 < mixed['img'].mean() < 200 and len(mixed['gt_bboxes']) == 2
    assert 'mix_results' not in mixed
