from .recognition_cnn import RecognitionCNN
from .recognition_ffnn import RecognitionFFNN
from .yolov7_backbone import YOLOv7Backbone

__all__ = ['RecognitionFFNN', 'RecognitionCNN', 'YOLOv7Backbone']
