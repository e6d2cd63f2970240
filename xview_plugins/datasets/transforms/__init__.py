from .loading import LoadGeoTIFFFromFile
from .yolov7_augment import YOLOv7HSVRandomAug, YOLOv7MixUp

__all__ = ['LoadGeoTIFFFromFile', 'YOLOv7HSVRandomAug', 'YOLOv7MixUp']
