from __future__ import annotations

from mmcv.transforms import BaseTransform
from mmdet.datasets.transforms import Pad, Resize
from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LetterboxTile(BaseTransform):
    """Letterbox a tile to its dataset's tile size (``results['tile_size']``,
    set by ``XViewDataset``): ``Resize`` keeping the ratio so that the long
    side is the tile size, then ``Pad`` to a square of it. A full tile is left
    as it is; a tile cut by the scene's edge is enlarged, as the official
    YOLOv7 test letterboxes every image to its input size. The network input
    follows the tile size of the config, written once."""

    def __init__(self, pad_val: int = 114) -> None:
        self.pad_val = pad_val
        self._steps: dict[int, tuple[Resize, Pad]] = {}

    def transform(self, results: dict) -> dict:
        side = results.get('tile_size')
        if not side:
            raise ValueError(
                f'{results.get("img_path")}: LetterboxTile needs a tiled '
                'dataset (XViewDataset with tile_size); use Resize and Pad'
                ' for whole images'
            )
        if side not in self._steps:
            self._steps[side] = (
                Resize(scale=(side, side), keep_ratio=True),
                Pad(size=(side, side), pad_val=dict(img=(self.pad_val,) * 3)),
            )
        resize, pad = self._steps[side]
        return pad(resize(results))

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(pad_val={self.pad_val})'
