from .backbones import RecognitionCNN, RecognitionFFNN, YOLOv7Backbone
from .classifiers import ChipClassifier
from .dense_heads import YOLOv7Head
from .detectors import (
    ONNXRuntimeDetector,
    SlicedInference,
    SlidingWindowDetector,
    YOLOv7,
)
from .losses import YOLOv7BCELoss, YOLOv7CIoULoss
from .necks import YOLOv7Neck
from .task_modules import YOLOv7OTAAssigner
from .utils import load_official_state_dict, official_key_map, official_outputs

__all__ = [
    'RecognitionFFNN',
    'RecognitionCNN',
    'ChipClassifier',
    'YOLOv7Backbone',
    'YOLOv7Neck',
    'YOLOv7Head',
    'YOLOv7',
    'SlidingWindowDetector',
    'SlicedInference',
    'ONNXRuntimeDetector',
    'YOLOv7BCELoss',
    'YOLOv7CIoULoss',
    'YOLOv7OTAAssigner',
    'official_outputs',
    'official_key_map',
    'load_official_state_dict',
]
