"""Pixel boxes to lon/lat: corners of pixels, not their centres, and no
coordinates where the raster has no geotransform."""

import logging

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.transform import Affine

from xview_data.geometry.georeference import box_rings, lonlat_rings
from xview_data.imagery import geotransform


def test_a_box_edge_is_a_pixel_corner_through_the_transform():
    # 0.5-degree pixels from (10 E, 20 N): pixel column 2 starts at 11 E
    affine = Affine(0.5, 0.0, 10.0, 0.0, -0.5, 20.0)
    rings = lonlat_rings(
        np.array([[0.0, 0.0, 2.0, 4.0]]), affine, CRS.from_epsg(4326)
    )
    # decimal fractions of whole degrees: exact in float64 and when rounded
    assert rings.tolist() == [
        [[10.0, 20.0], [10.0, 18.0], [11.0, 18.0], [11.0, 20.0], [10.0, 20.0]]
    ]
    assert box_rings(np.array([[1.0, 2.0, 3.0, 4.0]]))[0, 2].tolist() == [
        3.0,
        4.0,
    ]


def test_no_georeference_gives_no_rings():
    affine = Affine(0.5, 0.0, 10.0, 0.0, -0.5, 20.0)
    assert lonlat_rings(np.zeros((1, 4)), None, None) is None
    assert lonlat_rings(np.zeros((1, 4)), affine, None) is None
    assert lonlat_rings(np.zeros((1, 4)), None, CRS.from_epsg(4326)) is None


def test_another_geographic_crs_is_reprojected_to_wgs84():
    """NAD27 degrees are not WGS84 degrees (tens of metres apart in the
    US): they go through the reprojection like projected coordinates."""
    from rasterio.warp import transform as reproject

    nad27 = CRS.from_epsg(4267)
    affine = Affine(0.001, 0.0, -100.0, 0.0, -0.001, 40.0)
    ring = lonlat_rings(np.array([[0.0, 0.0, 10.0, 10.0]]), affine, nad27)[0]
    lon, lat = reproject(nad27, 'EPSG:4326', [-99.99], [39.99])
    assert ring[2].tolist() == [round(lon[0], 7), round(lat[0], 7)]
    assert abs(ring[2][0] - -99.99) > 1e-5  # the datum shift is seen


def write(path, **profile):
    with rasterio.open(
        path, 'w', driver='GTiff', width=16, height=16, count=1, dtype='uint8',
        **profile,
    ) as dst:  # fmt: skip
        dst.write(np.zeros((1, 16, 16), np.uint8))
    return path


def test_a_crs_without_a_geotransform_is_no_georeference(tmp_path, caplog):
    path = write(tmp_path / 'crs_only.tif', crs='EPSG:4326')
    with caplog.at_level(logging.WARNING, logger='xview_data.imagery'):
        assert geotransform(path) == (None, None)
    assert 'no geotransform' in caplog.text and 'crs_only.tif' in caplog.text
    placed = write(
        tmp_path / 'placed.tif',
        crs='EPSG:4326',
        transform=Affine(0.5, 0.0, 10.0, 0.0, -0.5, 20.0),
    )
    transform, crs = geotransform(placed)
    assert transform == Affine(0.5, 0.0, 10.0, 0.0, -0.5, 20.0)
    assert crs == CRS.from_epsg(4326)
