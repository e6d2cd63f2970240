# yolov7.yaml (cfg/training) with hyp.scratch.p5 loss weights; 12 xView
# classes.
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
        num_classes=12,
        in_channels=[256, 512, 1024],
        anchors=[
            [12, 16, 19, 36, 40, 28],
            [36, 75, 76, 55, 72, 146],
            [142, 110, 192, 243, 459, 401],
        ],
        strides=[8, 16, 32],
        box_weight=0.05,
        cls_weight=0.3,
        obj_weight=0.7,
        img_size=640,
        obj_level_weights=[4.0, 1.0, 0.4],
    ),
    # hyp['anchor_t']: the anchor shapes a ground truth may be assigned to
    train_cfg=dict(assigner=dict(type='YOLOv7OTAAssigner', anchor_t=4.0)),
    test_cfg=dict(
        multi_label=True,
        score_thr=0.001,
        nms=dict(type='nms', iou_threshold=0.65),
        max_per_img=300,
    ),
    deploy=False,
)
