import json

import numpy as np
import rasterio

from xview_data.formats import (
    attach_images,
    read_coco,
    read_xview_geojson,
    read_xview_txt,
)
from xview_data.structures import BENCHMARK12
from xview_data.synthetic import (
    SyntheticSpec,
    class_probabilities,
    generate_synthetic_xview,
)


def test_official_schema_and_geometry(synthetic_release, reference_dir):
    example = json.loads(
        (reference_dir / 'xview_geojson_example.json').read_text()
    )
    document = json.loads(
        (synthetic_release / 'xView_train.geojson').read_text()
    )
    assert (
        document['type'] == 'FeatureCollection'
        and document['crs'] == example['crs']
    )
    want = set(example['features'][0]['properties'])
    checked = 0
    for feature in document['features']:
        assert set(feature['properties']) == want
        if feature['geometry'] is None:
            continue
        props = feature['properties']
        x1, y1, x2, y2 = map(int, props['bounds_imcoords'].split(','))
        with rasterio.open(
            synthetic_release / 'train_images' / props['image_id']
        ) as src:
            lon, lat = src.transform * (x1, y1)
        ring = feature['geometry']['coordinates'][0]
        # both float64 through the raster's transform: round-off of 1e-13
        # degrees, far below 1e-6
        assert abs(ring[0][0] - lon) < 1e-6 and abs(ring[0][1] - lat) < 1e-6
        assert ring[0] == ring[-1]
        checked += 1
    assert checked > 50


def test_defects_sizes_and_layouts(synthetic_release):
    table = read_xview_geojson(synthetic_release / 'xView_train.geojson')
    for reason in (
        'zero-area box',
        'empty bounds_imcoords',
        'not-scored type_id (75/82/87)',
    ):
        assert table.skipped[reason] >= 1
    assert '1395.tif' in [r.file_name for r in table.images]
    table = attach_images(table, synthetic_release / 'train_images')
    assert table.skipped['missing image'] >= 1
    wh = table.boxes[:, 2:] - table.boxes[:, :2]
    cars = wh[table.type_ids == 18]
    assert (
        11 <= np.median(cars.max(axis=1)) <= 19
        and 5 <= np.median(cars.min(axis=1)) <= 19
    )
    buildings = wh[table.type_ids == 73].max(axis=1)
    assert buildings.min() >= 25 and buildings.max() <= 190
    outside = (table.boxes[:, 0] < 0) | (table.boxes[:, 2] > 512)
    assert outside.any()  # the real file's boxes past the border
    counts = np.bincount(
        BENCHMARK12.lookup_table()[table.type_ids], minlength=12
    )
    assert (
        counts[2] + counts[9] > 0.6 * counts.sum()
    )  # Small car + Building dominate
    txt = read_xview_txt(synthetic_release / 'xview_ann_train.txt')
    assert len(txt) > 0 and txt.images[0].file_name.startswith('train_images/')
    rec = read_coco(
        synthetic_release / 'recognition' / 'xview_ann_train.json', BENCHMARK12
    )
    assert len(rec) == len(rec.images) > 0


def test_deterministic_for_a_seed(tmp_path):
    spec = SyntheticSpec(num_images=1, size=256, seed=3)
    a = generate_synthetic_xview(tmp_path / 'a', spec)
    b = generate_synthetic_xview(tmp_path / 'b', spec)
    assert (a / 'xView_train.geojson').read_bytes() == (
        b / 'xView_train.geojson'
    ).read_bytes()
    name = next((a / 'train_images').iterdir()).name
    with (
        rasterio.open(a / 'train_images' / name) as x,
        rasterio.open(b / 'train_images' / name) as y,
    ):
        np.testing.assert_array_equal(x.read(), y.read())


def test_class_probabilities_follow_table_1_with_a_floor():
    p = class_probabilities(0.02)
    # 12 float64 probabilities normalized: their sum within a few ulps
    assert abs(p.sum() - 1) < 1e-9 and p.min() > 0.015
    assert p[9] > p[2] > p[4] > p[1]
