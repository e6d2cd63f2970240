"""The official YOLOv7 augmentations."""

import numpy as np
import torch
from mmdet.structures.bbox import HorizontalBoxes

import xview_plugins  # noqa: F401
from xview_plugins.datasets.transforms import YOLOv7HSVRandomAug, YOLOv7MixUp


def test_hsv_augmentation_keeps_gray_and_shape():
    np.random.seed(0)
    gray = np.full((8, 8, 3), 100, np.uint8)
    out = YOLOv7HSVRandomAug()(dict(img=gray.copy()))['img']
    assert out.shape == gray.shape and (out[..., 0] == out[..., 1]).all()
    colour = np.random.randint(0, 255, (16, 16, 3), np.uint8)
    assert not np.array_equal(
        YOLOv7HSVRandomAug(0.5, 0.9, 0.9)(dict(img=colour.copy()))['img'],
        colour,
    )


def test_mixup_blends_images_and_keeps_both_box_sets():
    def sample(value, box):
        return dict(
            img=np.full((4, 4, 3), value, np.uint8),
            gt_bboxes=HorizontalBoxes(
                torch.tensor([box], dtype=torch.float32)
            ),
            gt_bboxes_labels=np.array([1]),
            gt_ignore_flags=np.array([False]),
        )

    results = sample(200, [0, 0, 2, 2])
    results['mix_results'] = [sample(0, [1, 1, 3, 3])]
    mixed = YOLOv7MixUp(prob=1.0)(results)
    assert 0 < mixed['img'].mean() < 200 and len(mixed['gt_bboxes']) == 2
    assert 'mix_results' not in mixed


def official_augment_hsv(img, gains):
    """The official ``augment_hsv`` (utils/datasets.py) given its gains
    ``r``: split, three tables of int16 levels, merge."""
    import cv2

    hue, sat, val = cv2.split(cv2.cvtColor(img, cv2.COLOR_BGR2HSV))
    x = np.arange(0, 256, dtype=np.int16)
    lut_hue = ((x * gains[0]) % 180).astype(np.uint8)
    lut_sat = np.clip(x * gains[1], 0, 255).astype(np.uint8)
    lut_val = np.clip(x * gains[2], 0, 255).astype(np.uint8)
    hsv = cv2.merge(
        (cv2.LUT(hue, lut_hue), cv2.LUT(sat, lut_sat), cv2.LUT(val, lut_val))
    )
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)


def test_hsv_augmentation_is_the_officials_pixel_for_pixel():
    rng = np.random.default_rng(1)
    aug = YOLOv7HSVRandomAug(0.015, 0.7, 0.4)
    for seed in range(20):
        img = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
        np.random.seed(seed)
        gains = np.random.uniform(-1, 1, 3) * [0.015, 0.7, 0.4] + 1
        np.random.seed(seed)
        got = aug(dict(img=img.copy()))['img']
        assert np.array_equal(got, official_augment_hsv(img, gains))


def test_the_affine_warp_is_the_officials_with_mmdets_draws_and_boxes():
    """The same random draws, matrix and boxes as mmdet's RandomAffine; the
    image warped by cv2.warpAffine as the official random_perspective (one
    grey level from mmdet's warpPerspective at most). mmdet draws from
    numpy's generator."""
    import cv2
    from mmdet.datasets.transforms import RandomAffine

    from xview_plugins.datasets.transforms import YOLOv7RandomAffine

    settings = dict(
        max_rotate_degree=0.0,
        max_translate_ratio=0.2,
        scaling_ratio_range=(0.5, 1.5),
        max_shear_degree=0.0,
        border=(-32, -32),
        border_val=(114, 114, 114),
    )
    rng = np.random.default_rng(2)
    for seed in range(10):
        img = rng.integers(0, 256, (128, 128, 3), dtype=np.uint8)
        xy = rng.uniform(0, 100, (6, 2))
        boxes = np.concatenate([xy, xy + rng.uniform(4, 28, (6, 2))], 1)

        def sample():
            return dict(
                img=img.copy(),
                gt_bboxes=HorizontalBoxes(torch.tensor(boxes).float()),
                gt_bboxes_labels=np.arange(6),
                gt_ignore_flags=np.zeros(6, bool),
            )

        np.random.seed(seed)
        ours = YOLOv7RandomAffine(**settings)(sample())
        np.random.seed(seed)
        mmdet = RandomAffine(**settings)
        theirs = mmdet(sample())
        np.random.seed(seed)
        matrix = mmdet._get_random_homography_matrix(64, 64)
        assert torch.equal(
            ours['gt_bboxes'].tensor, theirs['gt_bboxes'].tensor
        )
        assert np.array_equal(
            ours['gt_bboxes_labels'], theirs['gt_bboxes_labels']
        )
        assert ours['img_shape'] == theirs['img_shape'] == (64, 64)
        official = cv2.warpAffine(
            img, matrix[:2], dsize=(64, 64), borderValue=(114, 114, 114)
        )
        assert np.array_equal(ours['img'], official)
        diff = np.abs(ours['img'].astype(int) - theirs['img'])
        assert diff.max() <= 1


def test_the_mosaic_is_mmdets_without_its_copies():
    """The same canvas and boxes as mmdet's Mosaic for the same numpy draws,
    tiles of the mosaic's size and of others (resized), boxes cut at the
    canvas; the samples it mixes are left as they were."""
    from mmdet.datasets.transforms import Mosaic

    from xview_plugins.datasets.transforms import YOLOv7Mosaic

    rng = np.random.default_rng(3)

    def sample(h, w, n):
        xy = rng.uniform(0, min(h, w) - 8, (n, 2))
        return dict(
            img=rng.integers(0, 256, (h, w, 3), dtype=np.uint8),
            gt_bboxes=HorizontalBoxes(
                torch.tensor(
                    np.concatenate([xy, xy + rng.uniform(2, 30, (n, 2))], 1)
                ).float()
            ),
            gt_bboxes_labels=rng.integers(0, 5, n),
            gt_ignore_flags=np.zeros(n, bool),
        )

    for seed, sizes in enumerate(
        [[(64, 64)] * 4, [(64, 64), (40, 90), (64, 64), (100, 30)]]
    ):
        samples = [sample(h, w, 5) for h, w in sizes]
        before = [(s['img'].copy(), s['gt_bboxes'].tensor.clone())
                  for s in samples]  # fmt: skip

        def results():
            return dict(samples[0], mix_results=samples[1:])

        for transform in (YOLOv7Mosaic, Mosaic):
            np.random.seed(seed)
            out = transform(img_scale=(64, 64), pad_val=114.0)(results())
            if transform is YOLOv7Mosaic:
                ours = out
        assert np.array_equal(ours['img'], out['img'])
        assert ours['img_shape'] == out['img_shape'] == (128, 128)
        assert torch.equal(ours['gt_bboxes'].tensor, out['gt_bboxes'].tensor)
        for key in ('gt_bboxes_labels', 'gt_ignore_flags'):
            assert np.array_equal(ours[key], out[key])
        for s, (img, boxes) in zip(samples, before):
            assert np.array_equal(s['img'], img)
            assert torch.equal(s['gt_bboxes'].tensor, boxes)


def test_mixup_blends_as_the_official_pixel_for_pixel():
    rng = np.random.default_rng(4)
    for seed in range(10):
        a, b = rng.integers(0, 256, (2, 31, 47, 3), dtype=np.uint8)

        def sample(img):
            return dict(
                img=img,
                gt_bboxes=HorizontalBoxes(torch.zeros((0, 4))),
                gt_bboxes_labels=np.zeros(0, int),
                gt_ignore_flags=np.zeros(0, bool),
            )

        results = dict(sample(a), mix_results=[sample(b)])
        np.random.seed(seed)
        got = YOLOv7MixUp(prob=1.0)(results)['img']
        np.random.seed(seed)  # the ratio's draw (python's decides it fires)
        r = np.random.beta(8.0, 8.0)
        assert np.array_equal(got, (a * r + b * (1 - r)).astype(np.uint8))
