# CNN model 6 with the report's online augmentations (its Tables 2 and 4): a
# rotation by 90/180/270 degrees, horizontal and vertical flips, illumination
# change and a channel shift, drawn afresh for every chip in every epoch.
_base_ = ['../cnn_base.py']
train_pipeline = [
    dict(type='LoadGeoTIFFFromFile'),
    dict(type='RandomRot90', prob=0.75),
    dict(
        type='RandomFlip',
        prob=[0.25, 0.25],
        direction=['horizontal', 'vertical'],
    ),
    dict(type='RandomIllumination', brightness_range=(0.8, 1.2)),
    dict(type='RandomChannelShift', shift_range=20.0),
    dict(type='PackChipInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
