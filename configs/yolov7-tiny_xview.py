# YOLOv7-tiny (yolov7-tiny.yaml, hyp.scratch.tiny) on 640-px tiles of the
# official xView release. hyp.scratch.tiny differs from p5 in: scale 0.5,
# translate 0.1, mixup 0.05, lrf 0.01 and the loss weights (in the model base).
_base_ = [
    '_base_/default_runtime.py',
    '_base_/models/yolov7_tiny.py',
    '_base_/datasets/xview_tiles.py',
    '_base_/schedules/yolov7_scratch.py',
]

mosaic_affine = [
    dict(
        type='Mosaic',
        img_scale={{_base_.img_scale}},
        center_ratio_range=(0.5, 1.5),
        pad_val=114.0,
        prob=1.0,
    ),
    dict(
        type='RandomAffine',
        max_rotate_degree=0.0,
        max_translate_ratio=0.1,
        scaling_ratio_range=(0.5, 1.5),
        max_shear_degree=0.0,
        border=(-320, -320),
        border_val=(114, 114, 114),
    ),
    # The official keeps warped boxes of at least 2 px (and 10 % of their
    # area).
    dict(type='FilterAnnotations', min_gt_bbox_wh=(2, 2), keep_empty=False),
]
train_dataloader = dict(
    dataset=dict(
        pipeline=[
            *mosaic_affine,
            dict(type='YOLOv7MixUp', prob=0.05, pre_transform=mosaic_affine),
            dict(
                type='YOLOv7HSVRandomAug',
                hue_gain=0.015,
                saturation_gain=0.7,
                value_gain=0.4,
            ),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackDetInputs'),
        ]
    )
)
custom_hooks = [
    dict(
        type='YOLOv7ParamSchedulerHook',
        lr0=0.01,
        lrf=0.01,
        max_epochs=300,
        warmup_epochs=3.0,
        warmup_min_iters=1000,
        warmup_bias_lr=0.1,
        warmup_momentum=0.8,
        momentum=0.937,
    ),
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0001,
        gamma=2000,
        update_buffers=True,
        priority=49,
    ),
]
