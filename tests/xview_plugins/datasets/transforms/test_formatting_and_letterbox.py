import numpy as np
import pytest
from mmdet.datasets.transforms import Pad, Resize

import xview_plugins  # noqa: F401
from xview_plugins.datasets.transforms import LetterboxTile, PackTileInputs


def tile(height, width, side):
    rng = np.random.default_rng(0)
    return dict(
        img=rng.integers(0, 255, (height, width, 3), dtype=np.uint8),
        img_shape=(height, width),
        ori_shape=(height, width),
        tile_size=side,
    )


@pytest.mark.parametrize('shape', [(64, 64), (40, 64), (64, 17), (9, 9)])
def test_letterbox_is_resize_and_pad_to_the_tile_size(shape):
    ours = LetterboxTile()(tile(*shape, 64))
    theirs = Pad(size=(64, 64), pad_val=dict(img=(114, 114, 114)))(
        Resize(scale=(64, 64), keep_ratio=True)(tile(*shape, 64))
    )
    assert ours['img'].shape == (64, 64, 3)
    np.testing.assert_array_equal(ours['img'], theirs['img'])
    assert ours['scale_factor'] == theirs['scale_factor']


def test_letterbox_needs_a_tiled_dataset():
    results = tile(10, 10, None)
    with pytest.raises(ValueError, match='tiled dataset'):
        LetterboxTile()(results)


def test_tile_inputs_carry_the_ground_truth_and_window():
    results = tile(8, 8, 8)
    results.update(
        img_id=3,
        img_path='scene.tif',
        scale_factor=(1.0, 1.0),
        window=(16, 0, 8, 8),
        instances=[dict(bbox=[0, 0, 2, 2], bbox_label=1, ignore_flag=0)],
    )
    meta = PackTileInputs()(results)['data_samples'].metainfo
    assert meta['window'] == (16, 0, 8, 8)
    assert meta['instances'][0]['bbox_label'] == 1
    assert 'flip' not in meta  # keys a sample lacks are skipped
