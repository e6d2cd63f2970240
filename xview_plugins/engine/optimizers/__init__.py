from .yolov7_optim import (
    SumAccumulateOptimWrapper,
    YOLOv7OptimWrapperConstructor,
)

__all__ = ['SumAccumulateOptimWrapper', 'YOLOv7OptimWrapperConstructor']
