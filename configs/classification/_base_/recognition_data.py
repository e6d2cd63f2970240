# xview_recognition chips (224x224 GeoTIFFs + xview_ann_train.json), e.g. from
# tools/make_synthetic_xview.py (recognition/) or tools/convert_annotations.py
# --to recognition. A stratified 10 % of the training chips is the validation
# split.
data_root = 'data/synthetic_xview/recognition/'
ann_file = 'xview_ann_train.json'
max_per_class = 5000
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
    dataset=dict(
        type='XViewRecognitionDataset',
        data_root=data_root,
        ann_file=ann_file,
        data_prefix=dict(img=''),
        max_per_class=max_per_class,
        split='train',
        val_fraction=0.1,
        seed=0,
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='XViewRecognitionDataset',
        data_root=data_root,
        ann_file=ann_file,
        data_prefix=dict(img=''),
        max_per_class=max_per_class,
        split='val',
        val_fraction=0.1,
        seed=0,
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='XViewRecognitionDataset',
        data_root=data_root,
        ann_file='xview_ann_test.json',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
val_evaluator = dict(type='ChipClassificationMetric')
test_evaluator = val_evaluator
