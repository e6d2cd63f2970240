from .class_metainfo import class_metainfo, class_palette
from .dataset_wrappers import ClassAwareMixDataset
from .transforms import LoadGeoTIFFFromFile, YOLOv7HSVRandomAug, YOLOv7MixUp
from .xview_dataset import XViewDataset, XViewTxtDataset
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
    'class_metainfo',
]
