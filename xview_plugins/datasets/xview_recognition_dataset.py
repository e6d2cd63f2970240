"""The xview_recognition chips (224x224, one object each) as a classification
dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from mmdet.registry import DATASETS
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from xview_data.deprecation import renamed_setting
from xview_data.formats import read_recognition
from xview_data.geometry import stratified_split
from xview_data.structures import load_class_map

from .class_metainfo import check_split, class_metainfo

# The report's offline oversampling: a flip and the 90/180/270 rotations of the
# image and of its flip, i.e. 7 extra views of each minority image.
OVERSAMPLE_VIEWS = [(k, flip) for flip in (False, True) for k in range(4)][1:]


@DATASETS.register_module()
class XViewRecognitionDataset(BaseDataset):
    """Items ``img_path``, ``gt_label`` (class index), ``rot90_k`` and
    ``hflip`` (views made by offline oversampling; applied by
    ``OfflineGeometricAugment``).

    Args:
        classes: class map (``'benchmark12'`` default); ``category_id - 1``
            is the index.
        max_per_class: keep at most this many chips per class (the report used
            5000).
        split: ``'train'`` / ``'val'``: a stratified split with
            ``val_fraction`` of each class in val (drawn with ``split_seed``;
            ``seed`` is its deprecated name); None
            keeps every chip.
        oversample: add the 7 flip/rotation views of every chip of a class with
            fewer than ``max_per_class`` chips (train side only).
    """

    def __init__(
        self,
        *args,
        classes='benchmark12',
        max_per_class: Optional[int] = None,
        split: Optional[str] = None,
        val_fraction: float = 0.1,
        split_seed: Optional[int] = None,
        oversample: bool = False,
        seed: Optional[int] = None,
        **kwargs,
    ) -> None:
        check_split(split)
        self.class_map = load_class_map(classes)
        self.max_per_class = max_per_class
        self.split = split
        self.val_fraction = val_fraction
        self.split_seed = renamed_setting(
            type(self).__name__, 'seed', 'split_seed', seed, split_seed
        )
        if self.split_seed is None:
            self.split_seed = 0
        self.oversample = oversample
        super().__init__(
            *args,
            metainfo=class_metainfo(
                self.class_map, kwargs.pop('metainfo', None)
            ),
            **kwargs,
        )

    def load_data_list(self) -> list[dict]:
        table = read_recognition(
            self.ann_file, self.class_map
        ).restrict_classes(self.class_map.type_ids)
        labels = self.class_map.lookup_table()[table.type_ids]
        image_root = Path(
            self.data_prefix.get('img', '') or Path(self.ann_file).parent
        )
        paths = np.array(
            [
                str(image_root / table.images[i].file_name)
                for i in table.image_index
            ]
        )
        chosen = stratified_split(
            labels,
            len(self.class_map),
            self.split,
            self.val_fraction,
            self.split_seed,
            self.max_per_class,
        )
        data_list = [
            dict(img_path=paths[i], gt_label=label, rot90_k=0, hflip=False)
            for i, label in chosen
        ]
        if self.oversample and self.split != 'val':
            counts = np.bincount(
                [d['gt_label'] for d in data_list],
                minlength=len(self.class_map),
            )
            cap = self.max_per_class or counts.max()
            extra = [
                dict(item, rot90_k=k, hflip=flip)
                for item in data_list
                if counts[item['gt_label']] < cap
                for k, flip in OVERSAMPLE_VIEWS
            ]
            data_list += extra
        if not data_list:
            raise ValueError(
                f'{self.ann_file}: no chips of the classes'
                f' {self.class_map.names} for split {self.split!r}'
                f' (max_per_class={self.max_per_class},'
                f' val_fraction={self.val_fraction}: a class needs at least'
                f' {0.5 / max(self.val_fraction, 1e-9):.0f} chips to put one'
                ' in val)'
            )
        counts = np.bincount(
            [d['gt_label'] for d in data_list], minlength=len(self.class_map)
        )
        print_log(
            f'{Path(self.ann_file).name} ({self.split or "all"}):'
            f' {len(data_list)} chips, per class '
            + ', '.join(
                f'{n}: {c}' for n, c in zip(self.class_map.names, counts)
            ),
            logger='current',
        )
        return data_list

    def get_cat_ids(self, idx: int) -> list[int]:
        return [self.get_data_info(idx)['gt_label']]
