from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS

from xview_data.imagery import read_image


@TRANSFORMS.register_module()
class LoadGeoTIFFFromFile(BaseTransform):
    """Load a GeoTIFF (or any raster GDAL reads) as a 3-channel uint8 image.

    When ``results['window']`` is ``(x, y, width, height)`` only that window is
    read, so a tile of a 3000-px scene costs a tile's I/O. Any band count or
    dtype is converted by the rule of :mod:`xview_data.imagery` (first three
    bands, or ``bands``; non-uint8 values stretched per band between the 2nd
    and 98th percentile, or by the dtype's range).

    Args:
        to_float32: return float32 instead of uint8.
        bands: 1-based band indices to use, e.g. ``(5, 3, 2)`` for WorldView-3
            RGB.
        stretch: ``'percentile'`` or ``'dtype'``.
        channel_order: ``'bgr'`` (mmcv's default, matching
            ``LoadImageFromFile``) or ``'rgb'``.
    """

    def __init__(
        self,
        to_float32: bool = False,
        bands: Optional[Sequence[int]] = None,
        stretch: str = 'percentile',
        channel_order: str = 'bgr',
    ) -> None:
        self.to_float32 = to_float32
        self.bands = tuple(bands) if bands else None
        self.stretch = stretch
        self.channel_order = channel_order

    def read(
        self,
        path: str,
        window: Optional[tuple[int, int, int, int]] = None,
        channel_order: Optional[str] = None,
        out_size: Optional[tuple[int, int]] = None,
    ) -> np.ndarray:
        """The raster (or its ``window``, or the whole of it averaged down to
        ``out_size``) as (H, W, 3) uint8 by this loader's rule: what
        ``SlicedInference`` reads a scene with, tile by tile, and a picture of
        it is drawn on. Any loader with this method streams scenes."""
        return read_image(
            path,
            window,
            self.bands,
            self.stretch,
            channel_order or self.channel_order,
            out_size,
        )

    def reads_windows_exactly(self, path: str) -> bool:
        """Whether a window read gives the pixels of the same window of the
        whole scene read: always, unless a percentile stretch of non-uint8
        pixels (scene-wide statistics) is asked for."""
        from xview_data.imagery import image_dtype

        return self.stretch == 'dtype' or image_dtype(path) == 'uint8'

    def transform(self, results: dict) -> dict:
        img = self.read(results['img_path'], results.get('window'))
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(to_float32={self.to_float32},'
            f' bands={self.bands}, '
            f"stretch='{self.stretch}', channel_order='{self.channel_order}')"
        )
