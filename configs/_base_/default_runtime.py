# The runtime every config of the project inherits (the classification runtime
# included): what a run needs is stated here, so tools/train.py and a plain
# Runner.from_cfg(cfg) behave the same way.
default_scope = 'mmdet'
custom_imports = dict(imports=['xview_plugins'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Written atomically: a run killed while saving keeps the previous
    # checkpoint. Set backend_args to your own backend when out_dir is not a
    # local folder.
    checkpoint=dict(
        type='CheckpointHook',
        interval=10,
        max_keep_ckpts=3,
        backend_args=dict(backend='atomic_local'),
    ),
    # Checkpoints of plain types only, loadable with
    # torch.load(weights_only=True); refuses to load one whose tensors do not
    # fit the model. A default hook (not a custom one) so that configs listing
    # their own custom_hooks keep it.
    plain_checkpoint=dict(type='PlainCheckpointHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Draws the tile a sample is (its window of the scene), read by the GeoTIFF
    # loader.
    visualization=dict(type='TileVisualizationHook'),
    # Closes the rasters kept open for tile reads at the end of each epoch.
    close_rasters=dict(type='CloseRastersHook'),
)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
# mmengine's DDP wrapper passes device_ids, which fails for a model on the CPU
# (gloo).
model_wrapper_cfg = dict(type='DeviceAwareDDP')
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer'
)
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
