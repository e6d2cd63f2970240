# A short run on the synthetic recognition chips: CNN model 6 (VGG-like).
# ffnn-model3_short.py inherits this file and swaps the backbone, so both share
# data, input size, schedule and seed. Departures from the report's 224-px,
# 50-epoch runs so that it fits in minutes on a 2-core CPU: chips resized to
# 112 px, at most 30 chips per class, batch normalization, class-weighted
# cross-entropy for the imbalance, 8 epochs.
_base_ = ['../cnn_base.py']
input_size = 112
model = dict(
    backbone=dict(input_size=(input_size, input_size, 3), batch_norm=True),
    class_weights='balanced',
)
train_pipeline = [
    dict(type='LoadGeoTIFFFromFile'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='PackChipInputs'),
]
test_pipeline = [
    dict(type='LoadGeoTIFFFromFile'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='PackChipInputs'),
]
train_dataloader = dict(
    dataset=dict(max_per_class=30, pipeline=train_pipeline)
)
val_dataloader = dict(dataset=dict(max_per_class=30, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
train_cfg = dict(max_epochs=8)
