# The official xView release read directly (XViewDataset): 640-px tiles of the
# scenes, a validation split of whole scenes, the official YOLOv7 augmentations
# of hyp.scratch.p5 (YOLOv7MixDataset: a recipe changes one of them with one
# line, e.g. train_dataloader = dict(dataset=dict(mixup_prob=0.05))). The
# network input is the tile size (Mosaic's img_scale and LetterboxTile follow
# it). data_root: the folder holding xView_train.geojson and train_images/ (set
# it here, or for every dataset at once with the tools' --data-root DIR).
data_root = 'data/xview/'
dataset_type = 'XViewDataset'
tiles = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file='xView_train.geojson',
    data_prefix=dict(img='train_images/'),
    classes='benchmark12',
    tile_size=640,
    tile_overlap=64,
    min_visible=0.5,
    val_fraction=0.1,
    split_seed=0,
)
test_pipeline = [
    dict(type='LoadGeoTIFFFromFile'),
    dict(type='LetterboxTile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackTileInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='YOLOv7MixDataset',
        dataset=dict(
            split='train',
            filter_cfg=dict(filter_empty_gt=True),
            pipeline=[
                dict(type='LoadGeoTIFFFromFile'),
                dict(type='LoadAnnotations', with_bbox=True),
            ],
            **tiles,
        ),
        max_translate_ratio=0.2,
        scaling_ratio_range=(0.1, 1.9),
        mixup_prob=0.15,
        hue_gain=0.015,
        saturation_gain=0.7,
        value_gain=0.4,
        flip_prob=0.5,
        # a mosaic's (and MixUp's) partners drawn from the last 40 samples of
        # the worker, as mmdet's CachedMosaic (RTMDet): one tile read per
        # sample instead of four. 0: the official sampling (uniform partners,
        # read afresh), about 30 % fewer samples per CPU second
        # (benchmarks/data_pipeline_speed.py).
        max_cached_images=40,
    ),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split='val', test_mode=True, pipeline=test_pipeline, **tiles),
)
test_dataloader = val_dataloader
# Ground truth comes with each sample (PackTileInputs keeps 'instances'): no
# COCO file. COCO mAP (mmdet) and the official xView scoring, side by side.
val_evaluator = [
    dict(type='CocoMetric', ann_file=None, metric='bbox'),
    dict(type='XViewMetric'),
]
test_evaluator = val_evaluator
