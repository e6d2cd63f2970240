from __future__ import annotations

import random
from typing import Callable, Optional, Sequence, Union

from mmdet.registry import DATASETS

from .dataset_wrappers import ClassAwareMixDataset


def yolov7_train_pipeline(
    img_scale: tuple[int, int],
    mosaic_prob: float = 1.0,
    max_translate_ratio: float = 0.2,
    scaling_ratio_range: tuple[float, float] = (0.1, 1.9),
    mixup_prob: float = 0.15,
    hue_gain: float = 0.015,
    saturation_gain: float = 0.7,
    value_gain: float = 0.4,
    flip_prob: float = 0.5,
    min_gt_bbox_wh: tuple[float, float] = (2, 2),
    pad_val: int = 114,
) -> list[dict]:
    """The official YOLOv7 training augmentation (``train.py`` with a
    ``hyp.scratch.*.yaml``) as mmdet transforms: Mosaic (hyp ``mosaic``),
    RandomAffine (``translate``, ``scale`` as ``1 +- scale``, the border of
    half the input), the official filter of warped boxes, its MixUp of a
    second mosaic (``mixup``), HSV gains (``hsv_h/s/v``) and the horizontal
    flip (``fliplr``). Defaults: hyp.scratch.p5."""
    mosaic_affine = [
        dict(
            type='YOLOv7Mosaic',
            img_scale=tuple(img_scale),
            center_ratio_range=(0.5, 1.5),
            pad_val=float(pad_val),
            prob=mosaic_prob,
        ),
        dict(
            type='YOLOv7RandomAffine',
            max_rotate_degree=0.0,
            max_translate_ratio=max_translate_ratio,
            scaling_ratio_range=tuple(scaling_ratio_range),
            max_shear_degree=0.0,
            border=(-img_scale[0] // 2, -img_scale[1] // 2),
            border_val=(pad_val,) * 3,
        ),
        # the official keeps warped boxes of at least 2 px (and 10 % of their
        # area)
        dict(
            type='FilterAnnotations',
            min_gt_bbox_wh=tuple(min_gt_bbox_wh),
            keep_empty=False,
        ),
    ]
    return [
        *mosaic_affine,
        dict(type='YOLOv7MixUp', prob=mixup_prob, pre_transform=mosaic_affine),
        dict(
            type='YOLOv7HSVRandomAug',
            hue_gain=hue_gain,
            saturation_gain=saturation_gain,
            value_gain=value_gain,
        ),
        dict(type='RandomFlip', prob=flip_prob),
        dict(type='PackDetInputs'),
    ]


class LazySamples(Sequence):
    """The samples of ``indexes``, each loaded by ``load`` when first used: a
    MixUp that does not fire (85 % of the time in hyp.scratch.p5) reads none
    of its four images. Drawing the indexes consumes the random numbers it
    always did; loading consumes none, so the samples stay the same."""

    def __init__(self, indexes: Sequence[int], load: Callable[[int], dict]):
        self.indexes = list(indexes)
        self.load = load
        self.loaded: dict[int, dict] = {}

    def __len__(self) -> int:
        return len(self.indexes)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [self[k] for k in range(*item.indices(len(self)))]
        item = range(len(self))[item]
        if item not in self.loaded:
            self.loaded[item] = self.load(self.indexes[item])
        return self.loaded[item]


@DATASETS.register_module()
class YOLOv7MixDataset(ClassAwareMixDataset):
    """``MultiImageMixDataset`` running the official YOLOv7 training
    augmentation (:func:`yolov7_train_pipeline`) with its settings as named
    arguments, so that a recipe changes one of them with one line of dict
    merge (``train_dataloader = dict(dataset=dict(mixup_prob=0.05))``)
    instead of restating the pipeline. ``img_scale`` defaults to the wrapped
    dataset's ``tile_size``. Class-balanced sampling (mmdet's
    ``ClassAwareSampler``) works on it.

    ``max_cached_images`` (0: off, the official sampling) keeps the last
    samples this process loaded, as mmdet's ``CachedMosaic`` /
    ``CachedMixUp`` (RTMDet) and mmyolo's ``use_cached`` do: once it holds
    more than four, the images a mosaic or a MixUp mixes with the sample are
    drawn from it instead of read, one read per sample instead of four. It
    alters the sampling (a mosaic's partners are recent samples of this
    worker, not uniform draws from the dataset) and costs memory
    (``max_cached_images`` decoded tiles per dataloader worker); with
    ``random_pop`` a full cache drops a random entry, else the oldest.
    """

    def __init__(
        self,
        dataset: Union[dict, object],
        img_scale: Optional[Sequence[int]] = None,
        mosaic_prob: float = 1.0,
        max_translate_ratio: float = 0.2,
        scaling_ratio_range: Sequence[float] = (0.1, 1.9),
        mixup_prob: float = 0.15,
        hue_gain: float = 0.015,
        saturation_gain: float = 0.7,
        value_gain: float = 0.4,
        flip_prob: float = 0.5,
        min_gt_bbox_wh: Sequence[float] = (2, 2),
        pad_val: int = 114,
        max_cached_images: int = 0,
        random_pop: bool = True,
        **kwargs,
    ) -> None:
        if not isinstance(max_cached_images, int) or max_cached_images < 0:
            raise ValueError(
                'YOLOv7MixDataset: max_cached_images must be an integer of at'
                f' least 0 (0: no cache), not {max_cached_images!r}'
            )
        self.max_cached_images = max_cached_images
        self.random_pop = random_pop
        # this process's samples (a forked dataloader worker starts with the
        # parent's, which has loaded none)
        self.results_cache: list[dict] = []
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        if img_scale is None:
            side = getattr(dataset, 'tile_size', None)
            if not side:
                raise ValueError(
                    'YOLOv7MixDataset: set img_scale, or wrap a tiled dataset'
                    ' (its tile_size is the default)'
                )
            img_scale = (side, side)
        self.pipeline_cfg = yolov7_train_pipeline(
            tuple(img_scale),
            mosaic_prob,
            max_translate_ratio,
            tuple(scaling_ratio_range),
            mixup_prob,
            hue_gain,
            saturation_gain,
            value_gain,
            flip_prob,
            tuple(min_gt_bbox_wh),
            pad_val,
        )
        super().__init__(dataset, self.pipeline_cfg, **kwargs)

    def _remember(self, results: dict) -> None:
        """Keep the sample in the cache (see ``max_cached_images``). The
        pixels are shared and made read-only (no transform of this pipeline
        writes into its input image: one that did would fail loudly instead
        of changing the cached one); the boxes, which mmdet moves in place,
        are copied."""
        if not self.max_cached_images:
            return
        for key in ('img', 'gt_bboxes_labels', 'gt_ignore_flags'):
            if key in results:
                results[key].flags.writeable = False
        self.results_cache.append(self._handout(results))
        if len(self.results_cache) > self.max_cached_images:
            self.results_cache.pop(
                random.randint(0, len(self.results_cache) - 1)
                if self.random_pop
                else 0
            )

    @staticmethod
    def _handout(results: dict) -> dict:
        twin = dict(results)
        if 'gt_bboxes' in twin:
            twin['gt_bboxes'] = twin['gt_bboxes'].clone()
        return twin

    def _partner(self, idx: int) -> dict:
        """An image to mix with the sample: drawn from the cache once it
        holds more than four (mmdet's rule), else the ``idx``-th read."""
        if self.max_cached_images and len(self.results_cache) > 4:
            return self._handout(random.choice(self.results_cache))
        return self.dataset[idx]

    def __getitem__(self, idx: int) -> dict:
        """``MultiImageMixDataset``'s sample without its deep copies: the
        wrapped dataset builds every sample afresh (its loading pipeline reads
        the pixels, mmengine copies the annotations), so the copies of the
        sample and of the images it mixes protect nothing; and no transform
        of this pipeline returns None, so the copy kept for a retry is never
        used. The images a transform mixes are loaded when it uses them
        (:class:`LazySamples`). The same transforms draw the same random
        numbers: the same samples without the cache (tested against
        ``MultiImageMixDataset``)."""
        results = self.dataset[idx]
        self._remember(results)
        for transform, kind in zip(self.pipeline, self.pipeline_types):
            if self._skip_type_keys and kind in self._skip_type_keys:
                continue
            if hasattr(transform, 'get_indexes'):
                indexes = transform.get_indexes(self.dataset)
                if not isinstance(indexes, Sequence):
                    indexes = [indexes]
                results['mix_results'] = LazySamples(indexes, self._partner)
            results = transform(results)
            if results is None:
                raise RuntimeError(
                    f'{kind} returned None: YOLOv7MixDataset has no retry'
                )
            results.pop('mix_results', None)
        return results
