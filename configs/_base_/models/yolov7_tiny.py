# yolov7-tiny.yaml (cfg/training) with hyp.scratch.tiny loss weights; 12 xView
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
    backbone=dict(type='YOLOv7Backbone', arch='tiny'),
    neck=dict(type='YOLOv7Neck', arch='tiny', in_channels=[128, 256, 512]),
    bbox_head=dict(
        type='YOLOv7Head',
        num_classes=12,
        in_channels=[128, 256, 512],
        anchors=[
            [10, 13, 16, 30, 33, 23],
            [30, 61, 62, 45, 59, 119],
            [116, 90, 156, 198, 373, 326],
        ],
        strides=[8, 16, 32],
        box_weight=0.05,
        cls_weight=0.5,
        obj_weight=1.0,
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
