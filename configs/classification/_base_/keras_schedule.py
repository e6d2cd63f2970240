# The report's Keras training: Adam (0.9, 0.999), reduce-LR-on-plateau and early stopping
# on validation accuracy, the best checkpoint kept by it; a confusion-matrix PNG per
# evaluation.
default_scope = 'mmdet'
custom_imports = dict(imports=['xview_plugins'], allow_failed_imports=False)
max_epochs = 50
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999)))
param_scheduler = [dict(type='ReduceOnPlateauLR', monitor='cls/mean_accuracy', rule='greater',
                        factor=0.1, patience=5, by_epoch=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best='cls/mean_accuracy', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [
    dict(type='ClassWeightsHook'),
    dict(type='EarlyStoppingHook', monitor='cls/mean_accuracy', rule='greater', patience=10),
    dict(type='ConfusionMatrixHook'),
    dict(type='PlainCheckpointHook'),
]
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=10, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
