# xview_recognition chips (224x224 GeoTIFFs + xview_ann_train.json), e.g. from
# tools/make_synthetic_xview.py (recognition/) or tools/convert_annotations.py
# --to recognition. A stratified 10 % of the training chips is the validation
# split.
data_root = 'data/synthetic_xview/recognition/'
chips = dict(
    type='XViewRecognitionDataset',
    data_root=data_root,
    ann_file='xview_ann_train.json',
    data_prefix=dict(img=''),
    max_per_class=5000,
    val_fraction=0.1,
    split_seed=0,
)
train_pipeline = [
    dict(type='LoadGeoTIFFFromFile'),
    dict(type='OfflineGeometricAugment'),
    dict(type='PackChipInputs'),
]
test_pipeline = [dict(type='LoadGeoTIFFFromFile'), dict(type='PackChipInputs')]
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(split='train', pipeline=train_pipeline, **chips),
)
val_dataloader = dict(
    train_dataloader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split='val', test_mode=True, pipeline=test_pipeline, **chips),
)
# the held-out test file, every chip of it
test_dataloader = dict(
    val_dataloader,
    dataset=dict(
        chips,
        ann_file='xview_ann_test.json',
        max_per_class=None,
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
val_evaluator = dict(type='ChipClassificationMetric')
test_evaluator = val_evaluator
