from .yolov7_ota_assigner import YOLOv7OTAAssigner

__all__ = ['YOLOv7OTAAssigner']
