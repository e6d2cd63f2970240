# The report's first detector done properly: CNN model 6 (trained by
# cnn-model6_background_synthetic-xview.py) scanned over the held-out synthetic
# scenes with square windows of six sizes, each resized to the classifier's
# 64-px input and run fully convolutionally. Windows span the objects' context
# windows (1.5 x the longer box side, at least 32 px: small cars to cargo
# planes); the stride is a quarter window, i.e. 16 px at the classifier's
# input, on the network's 8-px grid. Evaluated with COCO mAP on the same 320-px
# validation tiles as the YOLOv7-tiny demo:
#   python tools/test.py \
#       configs/sliding_window/sliding-window_cnn-model6_synthetic-xview.py \
#       work_dirs/sliding_window_classifier/best_cls_mean_accuracy_epoch_N.pth
# The classifier's checkpoint is tools/test.py's (or tools/infer.py's)
# CHECKPOINT; init_cfg=dict(type='Pretrained', checkpoint=...) would load it
# in init_weights().
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/cnn-model6_windows.py',
]

model = dict(
    type='SlidingWindowDetector',
    classifier={{_base_.window_classifier}},
    windows=[(32, 8), (48, 12), (64, 16), (96, 24), (160, 40), (224, 56)],
    background_class=-1,
    box_fraction=1 / 1.5,
    fully_convolutional=True,
    test_cfg=dict(
        score_thr=0.5, nms=dict(type='nms', iou_threshold=0.3), max_per_img=300
    ),
)

data_root = 'data/synthetic_xview/'
tiles = dict(
    classes='benchmark12',
    tile_size=320,
    tile_overlap=32,
    min_visible=0.5,
    val_fraction=0.25,
    split_seed=0,
)
test_pipeline = [
    dict(type='LoadGeoTIFFFromFile'),
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
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='XViewDataset',
        data_root=data_root,
        ann_file='xView_train.geojson',
        data_prefix=dict(img='train_images/'),
        split='val',
        test_mode=True,
        pipeline=test_pipeline,
        **tiles,
    ),
)
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='CocoMetric', ann_file=None, metric='bbox'),
    dict(type='XViewMetric'),
]
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
