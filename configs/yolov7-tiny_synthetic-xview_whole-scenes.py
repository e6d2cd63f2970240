# The demo's YOLOv7-tiny evaluated on whole held-out scenes instead of tiles:
# the detector is wrapped in SlicedInference (320-px tiles overlapping by 32
# px, 8 tiles per forward pass, class-wise NMS across tiles), so tools/test.py
# scores each 1024-px scene once, with COCO mAP and the official xView scoring:
#   python tools/test.py configs/yolov7-tiny_synthetic-xview_whole-scenes.py \
#       CHECKPOINT
# where CHECKPOINT comes from training configs/yolov7-tiny_synthetic-xview.py.
_base_ = ['yolov7-tiny_synthetic-xview.py']

model = dict(
    _delete_=True,
    type='SlicedInference',
    detector={{_base_.model}},
    tile_size=320,
    overlap=32,
    batch_size=8,
    merge='nms',
    iou_threshold=0.65,
    full_scene=False,
)
scene_pipeline = [
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
test_dataloader = dict(
    _delete_=True,
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='XViewDataset',
        data_root={{_base_.data_root}},
        ann_file='xView_train.geojson',
        data_prefix=dict(img='train_images/'),
        classes='benchmark12',
        split='val',
        val_fraction=0.25,
        split_seed=0,
        test_mode=True,
        pipeline=scene_pipeline,
    ),
)
