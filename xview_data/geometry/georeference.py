"""Pixel boxes to lon/lat polygons through a GeoTIFF's geotransform: the one
helper behind every GeoJSON geometry the project writes (converted
annotations and detections)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

# decimals of a written lon/lat coordinate: 1e-7 degrees is about 1 cm
LONLAT_DECIMALS = 7


def box_rings(boxes: np.ndarray) -> np.ndarray:
    """(N, 5, 2) closed pixel rings ``(xmin, ymin), (xmin, ymax), (xmax,
    ymax), (xmax, ymin), (xmin, ymin)`` of (N, 4) boxes, as the xView release
    draws them."""
    x1, y1, x2, y2 = (boxes[:, i] for i in range(4))
    cols = np.stack([x1, x1, x2, x2, x1], 1)
    rows = np.stack([y1, y2, y2, y1, y1], 1)
    return np.stack([cols, rows], 2)


def lonlat_rings(
    boxes: np.ndarray, transform: Any, crs: Any
) -> Optional[np.ndarray]:
    """(N, 5, 2) lon/lat rings of (N, 4) pixel boxes through ``transform``
    (rasterio's affine pixel -> CRS), reprojected to WGS84 when ``crs`` is
    another system, rounded to :data:`LONLAT_DECIMALS`; None for an image
    without georeference."""
    if transform is None or crs is None:
        return None
    rings = box_rings(np.asarray(boxes, np.float64).reshape(-1, 4))
    xs, ys = transform * (rings[..., 0].ravel(), rings[..., 1].ravel())
    if not crs.is_geographic or crs.to_epsg() != 4326:
        from rasterio.warp import transform as reproject

        xs, ys = reproject(
            crs, 'EPSG:4326', list(np.atleast_1d(xs)), list(np.atleast_1d(ys))
        )
    points = np.stack([np.asarray(xs), np.asarray(ys)], 1)
    return points.reshape(-1, 5, 2).round(LONLAT_DECIMALS)
