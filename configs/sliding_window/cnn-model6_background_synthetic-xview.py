# The window classifier of the sliding-window detector: CNN model 6 on 64-px
# chips with a 13th "Background" class of negative windows, cut from the
# synthetic release's training scenes (the detector is evaluated on the
# held-out ones) with
#   python tools/convert_annotations.py \
#       data/synthetic_xview/xView_train.geojson data/synthetic_xview_windows \
#       --from xview --to recognition \
#       --images data/synthetic_xview/train_images \
#       --chip-size 64 --background 40 --val-fraction 0.25 --split-seed 0
# Valid convolutions (padding='valid') so that the detector can run it fully
# convolutionally with the same scores as window by window; batch normalization
# and balanced class weights so that a short CPU run learns the rare classes.
_base_ = [
    '../classification/cnn_base.py',
    '../_base_/models/cnn-model6_windows.py',
]
data_root = 'data/synthetic_xview_windows/'
classes = 'benchmark12+background'
max_per_class = 60
model = {{_base_.window_classifier}}
train_pipeline = [
    dict(type='LoadGeoTIFFFromFile'),
    dict(type='RandomRot90', prob=0.75),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackChipInputs'),
]
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        classes=classes,
        max_per_class=max_per_class,
        pipeline=train_pipeline,
    )
)
val_dataloader = dict(
    dataset=dict(
        data_root=data_root, classes=classes, max_per_class=max_per_class
    )
)
test_dataloader = dict(
    dataset=dict(
        data_root=data_root, classes=classes, ann_file='xview_ann_val.json'
    )
)
train_cfg = dict(max_epochs=12)
