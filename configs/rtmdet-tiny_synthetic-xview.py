# Demo detector until YOLOv7 lands: mmdet's stock RTMDet-tiny, trained from
# scratch (no pretrained weights: nothing is downloaded) on 512-px chips of the
# synthetic xView set.
_base_ = ['mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py']

custom_imports = dict(imports=['xview_plugins'], allow_failed_imports=False)
default_scope = 'mmdet'

data_root = 'data/synthetic_xview_chips/'
classes = (
    'Cargo plane',
    'Helicopter',
    'Small car',
    'Bus',
    'Truck',
    'Motorboat',
    'Fishing vessel',
    'Dump truck',
    'Excavator',
    'Building',
    'Storage tank',
    'Shipping container',
)
# the xView type id of each class, stored in the checkpoint with the names
metainfo = dict(
    classes=classes,
    xview_type_ids=(13, 15, 18, 19, 23, 41, 47, 60, 64, 73, 86, 91),
)
img_scale = (512, 512)
max_epochs = 10

model = dict(
    backbone=dict(init_cfg=None),
    bbox_head=dict(num_classes=len(classes)),
    test_cfg=dict(score_thr=0.05, max_per_img=300),
)

train_pipeline = [
    dict(type='LoadGeoTIFFFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='RandomFlip',
        prob=[0.25, 0.25],
        direction=['horizontal', 'vertical'],
    ),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadGeoTIFFFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs'),
]
chips = dict(
    _delete_=True,
    type='CocoDataset',
    data_root=data_root,
    data_prefix=dict(img='images/'),
    metainfo=metainfo,
)
loader = dict(
    batch_size=4, num_workers=2, persistent_workers=True, pin_memory=False
)
train_dataloader = dict(
    loader,
    dataset=dict(
        chips,
        ann_file='train.json',
        filter_cfg=dict(filter_empty_gt=True, min_size=1),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    loader,
    dataset=dict(
        chips, ann_file='val.json', test_mode=True, pipeline=test_pipeline
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val.json')
test_evaluator = val_evaluator

train_cfg = dict(
    _delete_=True,
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_interval=max_epochs,
)
optim_wrapper = dict(optimizer=dict(lr=0.002))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=60)
]
# mmdet's runtime is this config's base, and two bases may not both set
# default_hooks, so the project's runtime settings
# (configs/_base_/default_runtime.py) are restated here.
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(
        type='CheckpointHook',
        interval=4,
        max_keep_ckpts=2,
        save_best=None,
        backend_args=dict(backend='atomic_local'),
    ),
    plain_checkpoint=dict(type='PlainCheckpointHook'),
    visualization=dict(type='TileVisualizationHook'),
)
model_wrapper_cfg = dict(type='DeviceAwareDDP')
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49,
    )
]
log_processor = dict(by_epoch=True, window_size=10)
