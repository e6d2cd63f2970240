from .onnxruntime_detector import ONNXRuntimeDetector
from .sliced_inference import SlicedInference
from .sliding_window_detector import SlidingWindowDetector
from .yolov7 import YOLOv7

__all__ = [
    'YOLOv7',
    'SlidingWindowDetector',
    'SlicedInference',
    'ONNXRuntimeDetector',
]
