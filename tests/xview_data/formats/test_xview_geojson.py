import json

import numpy as np
import pytest

from tests.conftest import write_geojson, write_tif
from xview_data.formats import attach_images, read_xview_geojson


def test_reads_the_reference_example(reference_dir):
    table = read_xview_geojson(reference_dir / 'xview_geojson_example.json')
    assert [r.file_name for r in table.images] == ['2355.tif']
    np.testing.assert_array_equal(table.boxes, [[2712, 1145, 2746, 1177]])
    assert table.type_ids.tolist() == [73] and table.source_ids.tolist() == [
        374410
    ]


def test_malformed_features_are_skipped_and_counted(tmp_path):
    path = write_geojson(
        tmp_path / 'a.geojson',
        [
            ('10,10,40,30', 18, '1.tif'),  # good
            ('10,10,abc,30', 18, '1.tif'),  # bad bounds string
            ('10,10,40', 18, '1.tif'),  # three numbers
            ('', 73, '1.tif'),  # empty bounds
            ('10,10,40,30', 99, '1.tif'),  # unknown type_id
            ('10,10,40,30', 82, '1.tif'),  # not scored
            ('10,10,10,30', 18, '1.tif'),  # zero area (width)
            ('10,30,40,30', 18, '1.tif'),  # zero area (height): not inverted
            ('10,10,40,30', 18, '../../x.tif'),  # path traversal
            ('10,10,40,30', 18, '/etc/x.tif'),  # absolute
            ('10,10,40,30', 18, '1.tif', 0),  # duplicate feature_id 0
            {'type': 'Feature', 'geometry': None},  # no properties
            ('5,5,25,15', '73', '1.tif'),  # type_id as text
            ('10,10,40,30', 18, ['1.tif']),  # image_id that is not text
        ],
    )
    table = read_xview_geojson(path)
    assert len(table) == 1 and table.boxes.tolist() == [[10, 10, 40, 30]]
    assert dict(table.skipped) == {
        'malformed bounds_imcoords': 2,
        'empty bounds_imcoords': 1,
        'unknown type_id': 2,
        'not-scored type_id (75/82/87)': 1,
        'zero-area box': 2,
        'unsafe or missing image_id': 3,
        'duplicate feature_id': 1,
        'feature without properties': 1,
    }
    assert 'feature #1' in table.skip_examples['malformed bounds_imcoords']


@pytest.mark.parametrize(
    'content, message',
    [
        ('', 'empty file'),
        ('{"type": "Feature", "features": []}', 'FeatureCollection'),
        ('[1, 2]', 'not an xView GeoJSON'),
        ('{"type": "FeatureCollection", "features": [1]}', r'features\[0\]'),
        ('{"type": "FeatureCollection", "features": [', 'not valid JSON'),
    ],
)
def test_file_level_problems_raise_with_the_file_name(
    tmp_path, content, message
):
    path = tmp_path / 'broken.geojson'
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as err:
        read_xview_geojson(path)
    assert 'broken.geojson' in str(err.value)


def test_unreadable_file(tmp_path):
    with pytest.raises(ValueError, match='cannot read'):
        read_xview_geojson(tmp_path / 'absent.geojson')


def test_missing_images_and_boxes_outside_the_image(tmp_path):
    write_tif(tmp_path / 'img' / '1.tif', 100, 80)
    path = write_geojson(
        tmp_path / 'a.geojson',
        [
            ('90,70,130,100', 18, '1.tif'),  # crosses the border: clipped
            ('150,10,170,30', 18, '1.tif'),  # outside: dropped
            ('10,10,20,20', 18, '1395.tif'),  # image absent
        ],
    )
    table = attach_images(read_xview_geojson(path), tmp_path / 'img')
    assert [(r.file_name, r.width, r.height) for r in table.images] == [
        ('1.tif', 100, 80)
    ]
    assert table.skipped['missing image'] == 1
    assert table.skip_examples['missing image'] == '1395.tif'
    clean = table.clean(min_size=2)
    assert clean.boxes.tolist() == [[90, 70, 100, 80]]
    assert clean.skipped['too small or outside the image'] == 1


def test_empty_collection(tmp_path):
    path = tmp_path / 'e.geojson'
    path.write_text(json.dumps(dict(type='FeatureCollection', features=[])))
    table = read_xview_geojson(path)
    assert len(table) == 0 and table.images == []


def test_detections_read_back_and_lie_where_the_geotransform_puts_them(
    tmp_path,
):
    """The detection GeoJSON is the release's schema: our reader gets the
    boxes and type ids back; its polygons are the boxes' corners through the
    scene's transform, reprojected to lon/lat from a UTM scene."""
    from rasterio.crs import CRS
    from rasterio.transform import from_origin
    from rasterio.warp import transform as reproject

    from xview_data.formats import write_detections_geojson

    boxes = np.array([[10.0, 20.0, 30.5, 44.0], [0.0, 0.0, 5.0, 5.0]])
    utm = CRS.from_epsg(32633)
    affine = from_origin(500000.0, 4649776.0, 0.3, 0.3)
    path = tmp_path / 'scene.geojson'
    write_detections_geojson(
        path,
        'scene.tif',
        boxes,
        np.array([18, 73]),
        np.array([0.9, 0.25]),
        ['Small car', 'Building'],
        (affine, utm),
    )
    table = read_xview_geojson(path)
    assert table.type_ids.tolist() == [18, 73]
    # bounds_imcoords are written with one decimal: within 0.05 px
    assert np.allclose(table.boxes, boxes, atol=0.05)
    feature = json.loads(path.read_text())['features'][0]
    assert feature['properties']['score'] == 0.9
    ring = np.array(feature['geometry']['coordinates'][0])
    x, y = affine * (30.5, 44.0)  # the third corner: (xmax, ymax)
    lon, lat = reproject(utm, 'EPSG:4326', [x], [y])
    # the same float64 reprojection by another path: round-off of 1e-13
    # degrees, far below 1e-7 (1 cm)
    assert np.allclose(ring[2], [lon[0], lat[0]], atol=1e-7)
    assert (
        14 < ring[:, 0].min() and ring[:, 1].max() < 43
    )  # lon/lat of UTM 33N


@pytest.mark.parametrize('module', ['xview_geojson', 'submission'])
def test_detections_written_in_chunks_are_the_same_bytes(
    tmp_path, monkeypatch, module
):
    """A scene can hold hundreds of thousands of detections: the writers
    encode them a chunk at a time, into the bytes of one piece."""
    import importlib

    from rasterio.crs import CRS
    from rasterio.transform import from_origin

    from xview_data.formats import (
        write_detections_geojson,
        write_submission_file,
    )

    rng = np.random.default_rng(0)
    corner = rng.uniform(0, 900, (7, 2))
    boxes = np.hstack([corner, corner + rng.uniform(2, 60, (7, 2))])
    type_ids, scores = rng.choice([18, 73], 7), rng.uniform(0, 1, 7)

    def write(path):
        if module == 'submission':
            write_submission_file(path, boxes, type_ids, scores)
        else:
            write_detections_geojson(
                path,
                'scene.tif',
                boxes,
                type_ids,
                scores,
                [str(t) for t in type_ids],
                (from_origin(30.0, 10.0, 3e-6, 3e-6), CRS.from_epsg(4326)),
            )
        return path.read_bytes()

    whole = write(tmp_path / 'whole')
    target = importlib.import_module(f'xview_data.formats.{module}')
    monkeypatch.setattr(target, 'WRITE_CHUNK', 3)
    assert write(tmp_path / 'chunked') == whole
