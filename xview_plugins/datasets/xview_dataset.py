"""Registered detection datasets over the xView formats (official GeoJSON and
txt)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

from mmdet.datasets import BaseDetDataset
from mmdet.registry import DATASETS
from mmengine.logging import print_log

from xview_data.errors import InputError, MissingInputError
from xview_data.formats import (
    attach_images,
    read_xview_geojson,
    read_xview_txt,
)
from xview_data.geometry import chip_scenes, split_by_scene
from xview_data.structures import AnnotationTable, ClassMap, load_class_map

from .class_metainfo import check_split, class_metainfo, class_palette


@DATASETS.register_module()
class XViewDataset(BaseDetDataset):
    """The official xView release read directly: ``ann_file`` is
    ``xView_train.geojson``, ``data_prefix=dict(img='train_images/')``.

    Args:
        classes: ``'benchmark12'`` (the benchmark's 12 classes, default),
            ``'xview60'``, a JSON class map or a list of xView type ids; other
            objects are skipped.
        min_size: boxes (after clipping to the image) narrower or lower than
            this are dropped.
        tile_size: serve ``tile_size`` windows of each scene instead of whole
            scenes; the loading transform reads only the window
            (``results['window']``).
        tile_overlap: overlap of neighbouring tiles in pixels.
        min_visible: a tile keeps an object when this fraction of its box is
            inside.
        keep_empty_tiles: also serve tiles without objects.
        split: ``'train'`` or ``'val'`` to serve one side of a split of whole
            scenes (``val_fraction`` of them, drawn with ``split_seed``); None
            serves all.
    """

    METAINFO = dict(
        classes=load_class_map('benchmark12').names, palette=class_palette(12)
    )

    def __init__(
        self,
        *args,
        classes: Union[str, list, ClassMap, None] = 'benchmark12',
        min_size: float = 2.0,
        tile_size: Optional[int] = None,
        tile_overlap: int = 0,
        min_visible: float = 0.5,
        keep_empty_tiles: bool = False,
        split: Optional[str] = None,
        val_fraction: float = 0.1,
        split_seed: int = 0,
        **kwargs,
    ) -> None:
        check_split(split)
        # 0 would read as "no tiles" and train on whole scenes unnoticed
        for name, value, least in (
            ('tile_size', tile_size, 1),
            ('tile_overlap', tile_overlap, 0),
        ):
            if value is not None and (
                not isinstance(value, int) or value < least
            ):
                raise InputError(
                    f'{type(self).__name__}: {name} must be an integer of at'
                    f' least {least} (None: whole scenes), not {value!r}'
                )
        if not 0 < min_visible <= 1:
            raise InputError(
                f'{type(self).__name__}: min_visible must be in (0, 1], not'
                f' {min_visible!r}'
            )
        self.split = split
        self.val_fraction = val_fraction
        self.split_seed = split_seed
        self.class_map = load_class_map(classes)
        self.min_size = min_size
        self.tile_size = tile_size
        self.tile_overlap = tile_overlap
        self.min_visible = min_visible
        self.keep_empty_tiles = keep_empty_tiles
        super().__init__(
            *args,
            metainfo=class_metainfo(
                self.class_map, kwargs.pop('metainfo', None)
            ),
            **kwargs,
        )

    def read_table(self) -> AnnotationTable:
        return read_xview_geojson(self.ann_file)

    def load_data_list(self) -> list[dict]:
        image_root = Path(
            self.data_prefix.get('img', '') or Path(self.ann_file).parent
        )
        named = self.read_table()
        table = attach_images(named, image_root)
        if named.images and not table.images:
            # an empty dataset would end deep in mmengine (np.concatenate)
            raise MissingInputError(
                f'{image_root}: none of the {len(named.images)} images that'
                f' {self.ann_file} names is there'
            )
        table = table.restrict_classes(self.class_map.type_ids).clean(
            self.min_size
        )
        if self.split:
            table = split_by_scene(table, self.val_fraction, self.split_seed)[
                self.split
            ]
        if self.tile_size:
            table = chip_scenes(
                table,
                self.tile_size,
                self.tile_overlap,
                self.min_visible,
                self.keep_empty_tiles,
            )
        if table.skipped:
            print_log(
                f'{Path(self.ann_file).name}: {len(table)} objects kept;'
                f' skipped per reason: {table.skip_summary()}',
                logger='current',
                level=30,
            )
        labels = self.class_map.lookup_table()[table.type_ids]
        data_list = []
        for position, objects in table.groups():
            record = table.images[position]
            scene = record.scene or record.file_name
            x, y = record.origin
            data_list.append(
                dict(
                    img_path=str(image_root / scene),
                    img_id=position,
                    width=record.width,
                    height=record.height,
                    window=(
                        (x, y, record.width, record.height)
                        if self.tile_size
                        else None
                    ),
                    # the side LetterboxTile brings the tile to
                    tile_size=self.tile_size,
                    instances=[
                        dict(
                            bbox=table.boxes[k].tolist(),
                            bbox_label=int(labels[k]),
                            ignore_flag=0,
                        )
                        for k in objects
                    ],
                )
            )
        return data_list

    def filter_data(self) -> list[dict]:
        if (
            self.test_mode
            or not self.filter_cfg
            or not self.filter_cfg.get('filter_empty_gt')
        ):
            return self.data_list
        return [d for d in self.data_list if d['instances']]


@DATASETS.register_module()
class XViewTxtDataset(XViewDataset):
    """The xview_detection txt layout; image paths are relative to the txt
    file's folder unless ``data_prefix=dict(img=...)`` says otherwise."""

    def read_table(self) -> AnnotationTable:
        return read_xview_txt(self.ann_file)
