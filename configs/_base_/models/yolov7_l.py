# yolov7.yaml (cfg/training), 12 xView classes, the loss weights of
# hyp.scratch.p5 (box 0.05, cls 0.3, obj 0.7) scaled as the official train.py
# scales them (mmengine reads a base's variables only as whole values, so a
# base that changes one of these three restates them).
num_classes = 12
num_levels = 3
img_size = 640
model = dict(
    type='YOLOv7',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[0.0, 0.0, 0.0],
        std=[255.0, 255.0, 255.0],
        bgr_to_rgb=True,
        pad_size_divisor=32,
        pad_value=114,
    ),
    backbone=dict(type='YOLOv7Backbone', arch='l'),
    neck=dict(type='YOLOv7Neck', arch='l', in_channels=[512, 1024, 1024]),
    bbox_head=dict(
        type='YOLOv7Head',
        num_classes=num_classes,
        in_channels=[256, 512, 1024],
        anchors=[
            [12, 16, 19, 36, 40, 28],
            [36, 75, 76, 55, 72, 146],
            [142, 110, 192, 243, 459, 401],
        ],
        strides=[8, 16, 32],
        obj_level_weights=[4.0, 1.0, 0.4],
        loss_bbox=dict(
            type='YOLOv7CIoULoss', loss_weight=0.05 * (3.0 / num_levels)
        ),
        loss_cls=dict(
            type='YOLOv7BCELoss',
            loss_weight=0.3 * (num_classes / 80.0 * 3.0 / num_levels),
        ),
        loss_obj=dict(
            type='YOLOv7BCELoss',
            loss_weight=0.7 * ((img_size / 640) ** 2 * 3.0 / num_levels),
        ),
    ),
    # hyp['anchor_t']: the anchor shapes a ground truth may be assigned to
    train_cfg=dict(assigner=dict(type='YOLOv7OTAAssigner', anchor_t=4.0)),
    test_cfg=dict(
        multi_label=True,
        score_thr=0.001,
        nms=dict(type='nms', iou_threshold=0.65),
        max_per_img=300,
    ),
)
