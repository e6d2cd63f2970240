"""YOLOv7MixDataset: the official augmentation with its settings named, the
same samples as the pipeline written out, and the configs' recipes."""

import random

import numpy as np
import pytest
import torch
from mmdet.registry import DATASETS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import xview_plugins  # noqa: F401
from tests.conftest import ROOT
from xview_plugins.datasets import yolov7_train_pipeline


def tiles_cfg(root, tile_size=128):
    return dict(
        type='XViewDataset',
        data_root=f'{root}/',
        ann_file='xView_train.geojson',
        data_prefix=dict(img='train_images/'),
        tile_size=tile_size,
        tile_overlap=16,
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=[
            dict(type='LoadGeoTIFFFromFile'),
            dict(type='LoadAnnotations', with_bbox=True),
        ],
    )


def samples(dataset, seed, count=4):
    random.seed(seed)
    np.random.seed(seed)
    return [dataset[k] for k in range(count)]


@pytest.mark.parametrize('mixup_prob', [1.0, 0.5])
def test_the_same_samples_as_the_pipeline_written_out(
    synthetic_release, mixup_prob
):
    """A pure re-spelling and speed-up (no deep copies, the mixed images read
    only when a MixUp fires): the wrapper's transforms, in the same order,
    draw the same random numbers as MultiImageMixDataset given the list."""
    init_default_scope('mmdet')
    knobs = dict(
        max_translate_ratio=0.1,
        scaling_ratio_range=(0.5, 1.5),
        mixup_prob=mixup_prob,
    )
    wrapped = DATASETS.build(
        dict(
            type='YOLOv7MixDataset',
            dataset=tiles_cfg(synthetic_release),
            **knobs,
        )
    )
    written = DATASETS.build(
        dict(
            type='MultiImageMixDataset',
            dataset=tiles_cfg(synthetic_release),
            pipeline=yolov7_train_pipeline((128, 128), **knobs),
        )
    )
    for ours, theirs in zip(samples(wrapped, 3, 6), samples(written, 3, 6)):
        assert torch.equal(ours['inputs'], theirs['inputs'])
        assert torch.equal(
            ours['data_samples'].gt_instances.bboxes.tensor,
            theirs['data_samples'].gt_instances.bboxes.tensor,
        )
    # the settings reach the transforms
    affine = wrapped.pipeline_cfg[1]
    assert affine['max_translate_ratio'] == 0.1
    assert affine['scaling_ratio_range'] == (0.5, 1.5)
    assert affine['border'] == (-64, -64)  # half the tile: the official's


def counting_reads(root, **settings):
    """A YOLOv7MixDataset over the release's tiles, the list of the indexes
    it reads, and the wrapped dataset's own loader."""
    init_default_scope('mmdet')
    dataset = DATASETS.build(
        dict(type='YOLOv7MixDataset', dataset=tiles_cfg(root), **settings)
    )
    reads = []
    load = dataset.dataset.prepare_data
    dataset.dataset.prepare_data = lambda i: reads.append(i) or load(i)
    return dataset, reads, load


def test_a_mixup_that_does_not_fire_reads_no_image(synthetic_release):
    dataset, reads, _ = counting_reads(synthetic_release, mixup_prob=0.0)
    samples(dataset, 0, 2)
    assert len(reads) == 2 * 4  # the sample and its mosaic's three, no more


def test_the_input_size_defaults_to_the_tile_size(synthetic_release):
    init_default_scope('mmdet')
    dataset = DATASETS.build(
        dict(type='YOLOv7MixDataset', dataset=tiles_cfg(synthetic_release, 96))
    )
    assert dataset.pipeline_cfg[0]['img_scale'] == (96, 96)
    whole = dict(tiles_cfg(synthetic_release), tile_size=None)
    with pytest.raises(ValueError, match='set img_scale'):
        DATASETS.build(dict(type='YOLOv7MixDataset', dataset=whole))


@pytest.mark.parametrize(
    'config, translate, scale, mixup, lrf',
    [
        # hyp.scratch.p5 / tiny / p6 and the demo (tiny's, lrf 0.1)
        ('yolov7_xview.py', 0.2, (0.1, 1.9), 0.15, 0.1),
        ('yolov7-tiny_xview.py', 0.1, (0.5, 1.5), 0.05, 0.01),
        ('yolov7-w6_xview.py', 0.2, (0.1, 1.9), 0.15, 0.2),
        ('yolov7-tiny_synthetic-xview.py', 0.1, (0.5, 1.5), 0.05, 0.1),
    ],
)
def test_each_recipe_changes_its_settings_by_dict_merge(
    config, translate, scale, mixup, lrf
):
    cfg = Config.fromfile(str(ROOT / 'configs' / config))
    train = cfg.train_dataloader.dataset
    assert train.type == 'YOLOv7MixDataset'
    assert (
        train.max_translate_ratio,
        tuple(train.scaling_ratio_range),
        train.mixup_prob,
    ) == (translate, scale, mixup)
    assert cfg.default_hooks.param_scheduler.lrf == lrf
    assert cfg.param_scheduler == []
    assert not any(
        h.type == 'YOLOv7ParamSchedulerHook' for h in cfg.custom_hooks
    )


def test_the_cache_reads_one_image_per_sample_and_keeps_it_intact(
    synthetic_release,
):
    """With max_cached_images, a mosaic's partners come from the last
    samples (once more than four are kept): one read per sample, the cache
    bounded, its pixels read-only and its boxes never moved by the mosaics
    that used them."""
    dataset, reads, load = counting_reads(
        synthetic_release, mixup_prob=0.5, max_cached_images=6
    )
    samples(dataset, 0, 5)  # fills the cache: mosaics read their partners
    assert len(reads) > 5 * 4
    reads.clear()
    samples(dataset, 1, 12)
    assert len(reads) == 12  # partners, MixUp's included, from the cache
    assert len(dataset.results_cache) == 6
    for cached in dataset.results_cache:
        fresh = load(cached['sample_idx'])
        assert not cached['img'].flags.writeable
        assert np.array_equal(cached['img'], fresh['img'])
        assert torch.equal(
            cached['gt_bboxes'].tensor, fresh['gt_bboxes'].tensor
        )


def test_max_cached_images_is_checked(synthetic_release):
    init_default_scope('mmdet')
    with pytest.raises(ValueError, match='max_cached_images'):
        DATASETS.build(
            dict(
                type='YOLOv7MixDataset',
                dataset=tiles_cfg(synthetic_release),
                max_cached_images=-1,
            )
        )
