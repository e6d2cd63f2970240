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
            ('10,10,10,30', 18, '1.tif'),  # zero area
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
        'zero-area box': 1,
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
