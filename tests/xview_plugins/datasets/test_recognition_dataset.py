from collections import Counter

import numpy as np
import pytest
from mmdet.registry import DATASETS, TRANSFORMS

import xview_plugins  # noqa: F401


def build(release, **kwargs):
    return DATASETS.build(
        dict(
            type='XViewRecognitionDataset',
            data_root=str(release / 'recognition'),
            ann_file='xview_ann_train.json',
            data_prefix=dict(img=''),
            pipeline=[],
            **kwargs,
        )
    )


def test_cap_stratified_split_and_oversampling(synthetic_release):
    everything = build(synthetic_release)
    counts = Counter(everything[i]['gt_label'] for i in range(len(everything)))
    capped = build(synthetic_release, max_per_class=5)
    assert (
        max(
            Counter(capped[i]['gt_label'] for i in range(len(capped))).values()
        )
        <= 5
    )
    train = build(synthetic_release, split='train', val_fraction=0.2, seed=1)
    val = build(synthetic_release, split='val', val_fraction=0.2, seed=1)
    assert len(train) + len(val) == len(everything)
    assert not {d['img_path'] for d in train} & {d['img_path'] for d in val}
    for label, n in counts.items():  # stratified: each class split 80/20
        assert sum(d['gt_label'] == label for d in val) == round(n * 0.2)
    over = build(synthetic_release, max_per_class=10, oversample=True)
    views = Counter((d['rot90_k'], d['hflip']) for d in over)
    assert len(views) == 8  # the original and its 7 flip/rotation views
    assert over.get_cat_ids(0) == [over[0]['gt_label']]


def test_chip_transforms():
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    rotated = TRANSFORMS.build(dict(type='OfflineGeometricAugment'))(
        dict(img=img, rot90_k=1, hflip=True)
    )['img']
    np.testing.assert_array_equal(rotated, np.rot90(img, 1)[:, ::-1])
    np.random.seed(0)
    # one intensity added to every pixel and channel, clipped to the image's
    # own range
    image = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) + 100
    np.random.seed(1)
    shifted = TRANSFORMS.build(
        dict(type='RandomChannelShift', shift_range=50)
    )(dict(img=image.copy()))['img']
    delta = shifted.astype(int) - image.astype(int)
    inside = (shifted > image.min()) & (shifted < image.max())
    assert shifted.dtype == np.uint8 and delta.any()
    assert (
        len(np.unique(delta[inside])) == 1
    )  # the same shift wherever nothing clipped
    bright = TRANSFORMS.build(
        dict(type='RandomIllumination', brightness_range=(2.0, 2.0))
    )(dict(img=np.full((2, 2, 3), 100, np.uint8)))['img']
    assert (bright == 200).all()
    packed = TRANSFORMS.build(dict(type='PackChipInputs'))(
        dict(img=np.zeros((4, 5, 3), np.uint8), gt_label=3, img_path='x.tif')
    )
    assert (
        packed['inputs'].shape == (3, 4, 5)
        and packed['data_samples'].gt_label.item() == 3
    )


def test_seed_is_the_deprecated_name_of_split_seed(synthetic_release):
    import warnings

    from mmengine.registry import init_default_scope

    init_default_scope('mmdet')
    cfg = dict(
        type='XViewRecognitionDataset',
        data_root=f'{synthetic_release}/recognition/',
        ann_file='xview_ann_train.json',
        data_prefix=dict(img=''),
        split='val',
        val_fraction=0.3,
    )
    with pytest.warns(FutureWarning, match='use split_seed'):
        old = DATASETS.build(dict(cfg, seed=5))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        new = DATASETS.build(dict(cfg, split_seed=5))
    assert old.split_seed == new.split_seed == 5
    assert [d['img_path'] for d in old] == [d['img_path'] for d in new]
