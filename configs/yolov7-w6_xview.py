# YOLOv7-W6 (yolov7-w6.yaml, 82.3 M parameters at 80 classes; the official
# train_aux.py with hyp.scratch.p6) on 1280-px tiles of the official xView
# release: P6 models see the small objects at twice the P5 models' scale.
# hyp.scratch.p6 differs from p5 only in lrf 0.2; the loss weights are scaled
# for 4 levels and 1280 px by the head.
_base_ = [
    '_base_/default_runtime.py',
    '_base_/models/yolov7_w6.py',
    '_base_/datasets/xview_tiles.py',
    '_base_/schedules/yolov7_scratch.py',
]

img_scale = (1280, 1280)
tiles = dict(
    classes='benchmark12',
    tile_size=1280,
    tile_overlap=128,
    min_visible=0.5,
    val_fraction=0.1,
    split_seed=0,
)
mosaic_affine = [
    dict(
        type='Mosaic',
        img_scale=img_scale,
        center_ratio_range=(0.5, 1.5),
        pad_val=114.0,
        prob=1.0,
    ),
    dict(
        type='RandomAffine',
        max_rotate_degree=0.0,
        max_translate_ratio=0.2,
        scaling_ratio_range=(0.1, 1.9),
        max_shear_degree=0.0,
        border=(-640, -640),
        border_val=(114, 114, 114),
    ),
    # The official keeps warped boxes of at least 2 px (and 10 % of their
    # area).
    dict(type='FilterAnnotations', min_gt_bbox_wh=(2, 2), keep_empty=False),
]
test_pipeline = [
    dict(type='LoadGeoTIFFFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=(
            'img_id',
            'img_path',
            'ori_shape',
            'img_shape',
            'scale_factor',
            'instances',
            'window',
        ),
    ),
]
train_dataloader = dict(
    dataset=dict(
        dataset=dict(**tiles),
        pipeline=[
            *mosaic_affine,
            dict(type='YOLOv7MixUp', prob=0.15, pre_transform=mosaic_affine),
            dict(
                type='YOLOv7HSVRandomAug',
                hue_gain=0.015,
                saturation_gain=0.7,
                value_gain=0.4,
            ),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackDetInputs'),
        ],
    )
)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline, **tiles))
test_dataloader = val_dataloader
custom_hooks = [
    dict(
        type='YOLOv7ParamSchedulerHook',
        lr0=0.01,
        lrf=0.2,
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
