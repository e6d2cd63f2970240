# The demo: YOLOv7-tiny trained from scratch on the CPU on 320-px tiles of the
# synthetic xView release (tools/make_synthetic_xview.py), a quarter of the
# scenes held out. The network, loss, augmentations and LR/momentum warm-up are
# the official ones. For a run of about 10 minutes on 2 CPU cores it departs
# from hyp.scratch.tiny in: 320-px input, Adam (the official --adam option,
# betas (0.937, 0.999)) at lr0 0.002 with lrf 0.1 and a 2-epoch warm-up, no
# gradient accumulation (batch 16), 26 epochs, and class-balanced sampling
# (mmdet's ClassAwareSampler), so that the rare classes are seen often enough.
_base_ = ['yolov7-tiny_xview.py']

data_root = 'data/synthetic_xview/'
img_scale = (320, 320)
max_epochs = 26
tiles = dict(
    classes='benchmark12',
    tile_size=320,
    tile_overlap=32,
    min_visible=0.5,
    val_fraction=0.25,
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
        max_translate_ratio=0.1,
        scaling_ratio_range=(0.5, 1.5),
        max_shear_degree=0.0,
        border=(-160, -160),
        border_val=(114, 114, 114),
    ),
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
model = dict(bbox_head=dict(img_size=320))
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    sampler=dict(_delete_=True, type='ClassAwareSampler', num_sample_class=1),
    dataset=dict(
        type='ClassAwareMixDataset',
        dataset=dict(data_root=data_root, **tiles),
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
        ],
    ),
)
val_dataloader = dict(
    batch_size=16,
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline=test_pipeline, **tiles),
)
test_dataloader = val_dataloader
optim_wrapper = dict(
    accumulative_counts=1,
    optimizer=dict(_delete_=True, type='Adam', lr=0.002, betas=(0.937, 0.999)),
)
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=9),
    checkpoint=dict(type='CheckpointHook', interval=13, max_keep_ckpts=2),
)
custom_hooks = [
    dict(
        type='YOLOv7ParamSchedulerHook',
        lr0=0.002,
        lrf=0.1,
        max_epochs=max_epochs,
        warmup_epochs=2.0,
        warmup_min_iters=0,
        warmup_bias_lr=0.02,
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
randomness = dict(seed=0)
