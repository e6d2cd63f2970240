from .transforms import LoadGeoTIFFFromFile
from .xview_dataset import XViewDataset, XViewTxtDataset, class_palette

__all__ = ['XViewDataset', 'XViewTxtDataset', 'LoadGeoTIFFFromFile', 'class_palette']
