from __future__ import annotations

from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import TRANSFORMS

# mmdet's keys (those a sample lacks are skipped) and the tile's: its ground
# truth ('instances': the metrics score tiles and scenes without a COCO file)
# and its window in the scene (drawn by TileVisualizationHook)
TILE_META_KEYS = (
    'img_id',
    'img_path',
    'ori_shape',
    'img_shape',
    'scale_factor',
    'flip',
    'flip_direction',
    'instances',
    'window',
)


@TRANSFORMS.register_module()
class PackTileInputs(PackDetInputs):
    """``PackDetInputs`` whose meta keys also carry a tile's ground truth and
    window (:data:`TILE_META_KEYS`), so that configs do not restate them."""

    def __init__(self, meta_keys: tuple = TILE_META_KEYS) -> None:
        super().__init__(meta_keys=meta_keys)
