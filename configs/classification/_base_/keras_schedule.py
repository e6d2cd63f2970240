# The report's Keras training: Adam (0.9, 0.999), reduce-LR-on-plateau and
# early stopping on validation accuracy, the best checkpoint kept by it; a
# confusion-matrix PNG per evaluation. The project's runtime (plugins, plain
# atomic checkpoints) comes from the base. The scheduler and the early stopping
# are dicts, so that an experiment's config changes one number of them.
_base_ = ['../../_base_/default_runtime.py']
max_epochs = 50
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999)),
)
# Keras' ReduceLROnPlateau(monitor='val_accuracy', factor, patience): the LR
# drops after `patience` epochs without an improvement above 1e-4 (Keras'
# counting and min_delta; mmengine's own ReduceOnPlateauLR waits one more).
param_scheduler = dict(
    type='KerasReduceOnPlateauLR',
    monitor='cls/mean_accuracy',
    rule='greater',
    factor=0.1,
    patience=5,
    by_epoch=True,
)
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1
)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(
        interval=1,
        max_keep_ckpts=1,
        save_best='cls/mean_accuracy',
        rule='greater',
    ),
    # Keras' EarlyStopping(monitor='val_accuracy', patience): ties are no
    # improvement, never stops after the first epoch.
    early_stopping=dict(
        type='KerasEarlyStoppingHook',
        monitor='cls/mean_accuracy',
        rule='greater',
        patience=10,
    ),
)
custom_hooks = [
    dict(type='ClassWeightsHook'),
    dict(type='ConfusionMatrixHook'),
]
log_processor = dict(window_size=10)
randomness = dict(seed=0)
