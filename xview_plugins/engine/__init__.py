from .distributed import DeviceAwareDDP, init_cpu_process_group
from .hooks import PlainCheckpointHook, YOLOv7ParamSchedulerHook
from .optimizers import SumAccumulateOptimWrapper, YOLOv7OptimWrapperConstructor

__all__ = ['DeviceAwareDDP', 'init_cpu_process_group', 'PlainCheckpointHook',
           'YOLOv7ParamSchedulerHook', 'SumAccumulateOptimWrapper',
           'YOLOv7OptimWrapperConstructor']
