# The official training recipe (train.py + hyp.scratch.p5) on the project's
# runtime: SGD with Nesterov momentum 0.937, weight decay on conv weights only,
# gradients summed up to a nominal batch of 64, 3 warm-up epochs (at least 1000
# iterations; bias LR from 0.1), one-cycle cosine LR to lr0 x lrf, and an EMA
# of the weights. For another batch size change accumulative_counts (round(64
# / batch)) and weight_decay (0.0005 x batch x accumulative_counts / 64) with
# it. A recipe changes one setting with one line, e.g.
# default_hooks = dict(param_scheduler=dict(lrf=0.01)).
_base_ = ['../default_runtime.py']

optim_wrapper = dict(
    type='SumAccumulateOptimWrapper',
    constructor='YOLOv7OptimWrapperConstructor',
    accumulative_counts=4,
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.937, nesterov=True, weight_decay=0.0005
    ),
)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# The official schedule takes the place of mmengine's ParamSchedulerHook (lr0,
# momentum and the epochs are the optimizer's and train_cfg's).
param_scheduler = []
default_hooks = dict(
    param_scheduler=dict(
        type='YOLOv7ParamSchedulerHook',
        lrf=0.1,
        warmup_epochs=3.0,
        warmup_min_iters=1000,
        warmup_bias_lr=0.1,
        warmup_momentum=0.8,
    )
)
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0001,
        gamma=2000,
        update_buffers=True,
        priority=49,
    )
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
