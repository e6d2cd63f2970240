from .yolov7_head import YOLOv7Head

__all__ = ['YOLOv7Head']
