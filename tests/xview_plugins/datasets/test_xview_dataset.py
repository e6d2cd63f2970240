import numpy as np
from mmdet.registry import DATASETS, TRANSFORMS

import xview_plugins  # noqa: F401


def build(release, **kwargs):
    return DATASETS.build(
        dict(
            type='XViewDataset',
            data_root=str(release),
            ann_file='xView_train.geojson',
            data_prefix=dict(img='train_images/'),
            pipeline=[],
            **kwargs,
        )
    )


def test_whole_scenes_with_benchmark12_classes(synthetic_release):
    dataset = build(synthetic_release)
    assert dataset.metainfo['classes'][2] == 'Small car' and len(dataset) == 3
    item = dataset[0]
    assert item['window'] is None and item['width'] == 512
    boxes = np.array([i['bbox'] for i in item['instances']])
    assert (boxes >= 0).all() and (boxes <= 512).all()
    assert {i['bbox_label'] for i in item['instances']} <= set(range(12))


def test_class_maps(synthetic_release):
    assert (
        len(build(synthetic_release, classes='xview60').metainfo['classes'])
        == 60
    )
    only_cars = build(synthetic_release, classes=[18])
    assert only_cars.metainfo['classes'] == ('Small Car',)
    labels = {
        i['bbox_label']
        for d in range(len(only_cars))
        for i in only_cars[d]['instances']
    }
    assert labels == {0}


def test_tiles_are_windows_of_scenes(synthetic_release):
    dataset = build(
        synthetic_release,
        tile_size=256,
        tile_overlap=32,
        filter_cfg=dict(filter_empty_gt=True),
    )
    assert len(dataset) > 3
    item = dataset[0]
    x, y, w, h = item['window']
    assert (w, h) == (256, 256) and item['img_path'].endswith('.tif')
    loaded = TRANSFORMS.build(dict(type='LoadGeoTIFFFromFile'))(dict(item))
    assert loaded['img'].shape == (256, 256, 3)
    scene = TRANSFORMS.build(dict(type='LoadGeoTIFFFromFile'))(
        dict(img_path=item['img_path'])
    )
    np.testing.assert_array_equal(
        loaded['img'], scene['img'][y : y + h, x : x + w]
    )


def test_txt_dataset(synthetic_release):
    dataset = DATASETS.build(
        dict(
            type='XViewTxtDataset',
            data_root=str(synthetic_release),
            ann_file='xview_ann_train.txt',
            pipeline=[],
        )
    )
    assert len(dataset) >= 1 and dataset[0]['img_path'].endswith('.tif')
    assert len(dataset[0]['instances']) > 0


def test_loading_transform_reads_tif_chips_as_bgr(synthetic_release):
    from mmcv import imread

    path = next((synthetic_release / 'recognition' / 'xview_train').iterdir())
    ours = TRANSFORMS.build(dict(type='LoadGeoTIFFFromFile', to_float32=True))(
        dict(img_path=str(path))
    )
    assert ours['img'].dtype == np.float32
    np.testing.assert_array_equal(
        ours['img'], imread(str(path)).astype(np.float32)
    )
