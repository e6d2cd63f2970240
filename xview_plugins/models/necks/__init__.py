from .yolov7_neck import YOLOv7Neck

__all__ = ['YOLOv7Neck']
