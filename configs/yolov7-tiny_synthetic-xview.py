# The demo: YOLOv7-tiny trained from scratch on the CPU on 320-px tiles of the
# synthetic xView release (tools/make_synthetic_xview.py), a quarter of the
# scenes held out. The network, loss, augmentations and LR/momentum warm-up are
# the official ones. For a run of about 10 minutes on 2 CPU cores it departs
# from hyp.scratch.tiny in: 320-px input, Adam (the official --adam option,
# betas (0.937, 0.999)) at lr0 0.002 with lrf 0.1 and a 2-epoch warm-up, no
# gradient accumulation (batch 16), 26 epochs, and class-balanced sampling
# (mmdet's ClassAwareSampler), so that the rare classes are seen often enough.
_base_ = ['yolov7-tiny_xview.py']

data_root = 'data/synthetic_xview/'
# the tile side is the network input: written once here, read by the whole-
# scene config (configs/yolov7-tiny_synthetic-xview_whole-scenes.py)
tile_size = 320
tiles = dict(
    data_root=data_root,
    tile_size=tile_size,
    tile_overlap=32,
    val_fraction=0.25,
)
# hyp.scratch.tiny's objectness weight at the 320-px input (train.py's scaling)
model = dict(
    bbox_head=dict(loss_obj=dict(loss_weight=1.0 * (tile_size / 640) ** 2))
)
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    sampler=dict(_delete_=True, type='ClassAwareSampler', num_sample_class=1),
    dataset=dict(dataset=tiles),
)
val_dataloader = dict(batch_size=16, num_workers=1, dataset=tiles)
test_dataloader = val_dataloader
optim_wrapper = dict(
    accumulative_counts=1,
    optimizer=dict(_delete_=True, type='Adam', lr=0.002, betas=(0.937, 0.999)),
)
train_cfg = dict(max_epochs=26, val_interval=26)
default_hooks = dict(
    logger=dict(interval=9),
    checkpoint=dict(interval=13, max_keep_ckpts=2),
    param_scheduler=dict(
        lrf=0.1, warmup_epochs=2.0, warmup_min_iters=0, warmup_bias_lr=0.02
    ),
)
randomness = dict(seed=0)
