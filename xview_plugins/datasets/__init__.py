from .dataset_wrappers import ClassAwareMixDataset
from .transforms import LoadGeoTIFFFromFile, YOLOv7HSVRandomAug, YOLOv7MixUp
from .xview_dataset import XViewDataset, XViewTxtDataset, class_palette

__all__ = ['XViewDataset', 'XViewTxtDataset', 'ClassAwareMixDataset', 'LoadGeoTIFFFromFile',
           'YOLOv7HSVRandomAug', 'YOLOv7MixUp', 'class_palette']
