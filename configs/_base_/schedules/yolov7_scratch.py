# The official training recipe (train.py + hyp.scratch.p5): SGD with Nesterov
# momentum 0.937, weight decay on conv weights only, gradients summed up to a
# nominal batch of 64, 3 warm-up epochs (at least 1000 iterations; bias LR from
# 0.1), one-cycle cosine LR to lr0 x lrf, and an EMA of the weights. For
# another batch size change accumulative_counts (round(64 / batch)) and
# weight_decay (0.0005 x batch x accumulative_counts / 64) with it.
max_epochs = 300
optim_wrapper = dict(
    type='SumAccumulateOptimWrapper',
    constructor='YOLOv7OptimWrapperConstructor',
    accumulative_counts=4,
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.937, nesterov=True, weight_decay=0.0005
    ),
)
param_scheduler = []
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10
)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
custom_hooks = [
    dict(
        type='YOLOv7ParamSchedulerHook',
        lr0=0.01,
        lrf=0.1,
        max_epochs=max_epochs,
        warmup_epochs=3.0,
        warmup_min_iters=1000,
        warmup_bias_lr=0.1,
        warmup_momentum=0.8,
        momentum=0.937,
    ),
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0001,
        gamma=2000,
        update_buffers=True,
        priority=49,
    ),
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
