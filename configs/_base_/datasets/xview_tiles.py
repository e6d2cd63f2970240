# The official xView release read directly (XViewDataset): 640-px tiles of the
# scenes, a validation split of whole scenes, the official YOLOv7 augmentations
# (hyp.scratch.p5). data_root: the folder holding xView_train.geojson and
# train_images/ (set it here, or for every dataset at once with the tools'
# --data-root DIR).
data_root = 'data/xview/'
ann_file = 'xView_train.geojson'
img_prefix = 'train_images/'
img_scale = (640, 640)
classes = 'benchmark12'

dataset_type = 'XViewDataset'
tiles = dict(
    classes=classes,
    tile_size=640,
    tile_overlap=64,
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
        border=(-img_scale[0] // 2, -img_scale[1] // 2),
        border_val=(114, 114, 114),
    ),
    # The official keeps warped boxes of at least 2 px (and 10 % of their
    # area).
    dict(type='FilterAnnotations', min_gt_bbox_wh=(2, 2), keep_empty=False),
]
train_pipeline = [
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
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='MultiImageMixDataset',
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            ann_file=ann_file,
            data_prefix=dict(img=img_prefix),
            split='train',
            filter_cfg=dict(filter_empty_gt=True),
            pipeline=[
                dict(type='LoadGeoTIFFFromFile'),
                dict(type='LoadAnnotations', with_bbox=True),
            ],
            **tiles,
        ),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        data_prefix=dict(img=img_prefix),
        split='val',
        test_mode=True,
        pipeline=test_pipeline,
        **tiles,
    ),
)
test_dataloader = val_dataloader
# Ground truth comes with each sample (PackDetInputs keeps 'instances'): no
# COCO file. COCO mAP (mmdet) and the official xView scoring, side by side.
val_evaluator = [
    dict(type='CocoMetric', ann_file=None, metric='bbox'),
    dict(type='XViewMetric'),
]
test_evaluator = val_evaluator
