import warnings

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.registry import init_default_scope

import xview_plugins  # noqa: F401
from xview_plugins.models.dense_heads.yolov7_head import official_loss_weights

TINY = dict(type='YOLOv7Head', num_classes=12, in_channels=[8, 16, 32])


def weights(head):
    return (
        head.loss_bbox.loss_weight,
        head.loss_cls.loss_weight,
        head.loss_obj.loss_weight,
    )


def test_the_old_weight_names_still_scale_as_train_py_with_a_warning():
    init_default_scope('mmdet')
    with pytest.warns(FutureWarning, match='box_weight'):
        old = MODELS.build(
            dict(TINY, cls_weight=0.5, obj_weight=1.0, img_size=320)
        )
    bbox, cls, obj = official_loss_weights(
        12,
        3,
        dict(type='YOLOv7CIoULoss'),
        dict(type='YOLOv7BCELoss'),
        dict(type='YOLOv7BCELoss'),
        0.05,
        0.5,
        1.0,
        320,
    )
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        new = MODELS.build(
            dict(TINY, loss_bbox=bbox, loss_cls=cls, loss_obj=obj)
        )
    assert weights(old) == weights(new) == (0.05, 0.5 * 12 / 80, 0.25)


def test_without_nms_every_box_above_the_threshold_stays():
    init_default_scope('mmdet')
    head = MODELS.build(
        dict(
            TINY,
            num_classes=1,
            test_cfg=dict(
                multi_label=False,
                score_thr=0.1,
                nms=dict(type='nms', iou_threshold=0.5),
                max_per_img=1000,
            ),
        )
    ).eval()
    torch.manual_seed(0)
    raw = [torch.randn(1, 3, s, s, 6) for s in (8, 4, 2)]
    for level in raw:  # every cell an object: overlapping boxes
        level[..., 4:] = 4.0
    meta = [dict(img_shape=(64, 64))]
    (merged,) = head.predict_by_feat(raw, meta, with_nms=True)
    (every,) = head.predict_by_feat(raw, meta, with_nms=False)
    assert len(every) == 3 * (64 + 16 + 4)
    assert len(merged) < len(every)
