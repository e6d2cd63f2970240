from .dataset_wrappers import ClassAwareMixDataset
from .transforms import LoadGeoTIFFFromFile, YOLOv7HSVRandomAug, YOLOv7MixUp
from .xview_dataset import XViewDataset, XViewTxtDataset, class_palette
from .xview_recognition_dataset import XViewRecognitionDataset

__all__ = [
    'XViewDataset',
    'XViewTxtDataset',
    'XViewRecognitionDataset',
    'ClassAwareMixDataset',
    'LoadGeoTIFFFromFile',
    'YOLOv7HSVRandomAug',
    'YOLOv7MixUp',
    'class_palette',
]
