"""Where things are: tiling windows, chips (planned, then written), splits
and lon/lat georeference (no torch here)."""

from .chipping import (
    ChipWindow,
    ObjectChipGeometry,
    chip_scenes,
    cut_background_chips,
    cut_object_chips,
    plan_scene_chips,
    sample_background_windows,
    write_chip_images,
)
from .georeference import box_rings, lonlat_rings
from .splits import split_by_scene, stratified_split, val_scene_names
from .tiling import clip_to_window, window_starts

__all__ = [
    'ChipWindow',
    'ObjectChipGeometry',
    'chip_scenes',
    'cut_background_chips',
    'cut_object_chips',
    'plan_scene_chips',
    'sample_background_windows',
    'write_chip_images',
    'box_rings',
    'lonlat_rings',
    'split_by_scene',
    'stratified_split',
    'val_scene_names',
    'clip_to_window',
    'window_starts',
]
