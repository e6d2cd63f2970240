from .yolov7_bce_loss import YOLOv7BCELoss
from .yolov7_ciou_loss import YOLOv7CIoULoss, bbox_ciou

__all__ = ['YOLOv7BCELoss', 'YOLOv7CIoULoss', 'bbox_ciou']
