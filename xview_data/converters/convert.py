"""One conversion: read a source format, clean, chip, split, write one or more
formats.

``tools/convert_annotations.py`` is a thin command line over :func:`convert`.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from ..structures import (
    AnnotationTable,
    ClassMap,
    concat_tables,
    load_class_map,
)
from .chipping import chip_scenes, cut_background_chips, cut_object_chips
from .coco import read_coco, write_coco
from .paths import (
    atomic_write,
    ensure_not_input,
    path_inside,
    staged_directory,
)
from .report import ConvertReport
from .splits import split_by_scene, val_scene_names
from .xview_geojson import (
    attach_images,
    read_xview_geojson,
    write_xview_geojson,
)
from .xview_txt import read_xview_txt, write_xview_txt
from .yolo import read_yolo, write_dataset_yaml, write_yolo_labels

PathLike = Union[str, Path]
SOURCE_FORMATS = ('xview', 'xview-txt', 'recognition', 'coco', 'yolo')
TARGET_FORMATS = ('coco', 'yolo', 'xview', 'xview-txt', 'recognition')


@dataclass
class ConvertOptions:
    src_format: str
    dst_formats: Sequence[str]
    images: Optional[PathLike] = None
    classes: Union[str, ClassMap] = 'seed12'
    chip_size: Optional[int] = None
    overlap: int = 0
    min_visible: float = 0.5
    keep_empty: bool = False
    min_size: float = 2.0
    val_fraction: float = 0.0
    seed: int = 0
    context: float = 1.5
    background: int = 0
    background_max_overlap: float = 0.1
    overwrite: bool = False
    link_images: bool = True
    progress: bool = True
    plot: bool = True


def read_annotations(
    src: PathLike,
    src_format: str,
    class_map: ClassMap,
    images: Optional[PathLike] = None,
) -> tuple[AnnotationTable, Optional[Path]]:
    """Read any supported source; returns the table and the folder its images
    live in."""
    src = Path(src)
    if src_format == 'xview':
        return read_xview_geojson(src), Path(images) if images else None
    if src_format == 'xview-txt':
        return read_xview_txt(src), Path(images) if images else src.parent
    if src_format in ('coco', 'recognition'):
        return read_coco(src, class_map), (
            Path(images) if images else src.parent
        )
    if src_format == 'yolo':
        root = src.parent if src.is_file() else src
        return read_yolo(src, class_map), root / 'images'
    raise ValueError(
        f'unknown source format {src_format!r}; choose from {SOURCE_FORMATS}'
    )


def convert(
    src: PathLike, out_dir: PathLike, options: ConvertOptions
) -> ConvertReport:
    """Convert ``src`` into ``out_dir`` (created atomically; see the README for
    layouts)."""
    for fmt in options.dst_formats:
        if fmt not in TARGET_FORMATS:
            raise ValueError(
                f'unknown target format {fmt!r}; choose from {TARGET_FORMATS}'
            )
    if options.chip_size is not None and options.chip_size < 1:
        raise ValueError(
            f'--chip-size must be at least 1 px (got {options.chip_size})'
        )
    if options.images is not None and not Path(options.images).is_dir():
        raise ValueError(f'--images {options.images}: no such folder')
    ensure_not_input(out_dir, src, options.images)
    class_map = load_class_map(options.classes)
    table, image_dir = read_annotations(
        src, options.src_format, class_map, options.images
    )
    if image_dir is not None and image_dir.is_dir():
        reads_pixels = (
            bool(options.chip_size) or 'recognition' in options.dst_formats
        )
        table = attach_images(table, image_dir, refuse_unreadable=reads_pixels)
    elif options.chip_size or 'recognition' in options.dst_formats:
        raise ValueError(
            'chipping and --to recognition read pixels: pass --images DIR'
        )
    else:
        image_dir = None
    table = table.restrict_classes(class_map.type_ids).clean(options.min_size)
    progress = _progress_bar(len(table.images), options.progress)
    try:
        with staged_directory(out_dir, options.overwrite) as stage:
            report = _write_outputs(
                table,
                stage,
                Path(out_dir).absolute(),
                image_dir,
                class_map,
                options,
                progress,
            )
            with atomic_write(stage / 'summary.json') as f:
                json.dump(report.to_json(), f, indent=1)
            if options.plot:
                report.plot_class_histogram(stage / 'class_histogram.png')
    finally:
        progress.close()
    report.out_dir = Path(out_dir).absolute()
    return report


def _write_outputs(
    table: AnnotationTable,
    stage: Path,
    final_dir: Path,
    image_dir: Optional[Path],
    class_map: ClassMap,
    options: ConvertOptions,
    progress,
) -> ConvertReport:
    formats = list(dict.fromkeys(options.dst_formats))
    scene_formats = [f for f in formats if f != 'recognition']
    skipped = Counter(table.skipped)
    # recognition chips are cut from the source scenes, whatever the scene
    # formats' tiling
    val_scenes = val_scene_names(table, options.val_fraction, options.seed)
    source_splits = split_by_scene(
        table, options.val_fraction, val_scenes=val_scenes
    )
    if options.chip_size and scene_formats:
        chipped = chip_scenes(
            table,
            options.chip_size,
            options.overlap,
            options.min_visible,
            options.keep_empty,
            image_dir,
            stage / 'images' / '_chips',
            progress.update,
        )
        skipped = Counter(chipped.skipped)
        table = chipped
    splits = split_by_scene(table, options.val_fraction, val_scenes=val_scenes)
    report = ConvertReport(
        final_dir, skipped=skipped, skip_examples=dict(table.skip_examples)
    )
    for split, part in splits.items():
        report.images[split] = len(part.images)
        report.objects[split] = len(part)
        report.scenes[split] = sorted({r.scene_name for r in part.images})
        counts = np.bincount(
            class_map.lookup_table()[part.type_ids], minlength=len(class_map)
        )
        for name, count in zip(class_map.names, counts):
            report.per_class.setdefault(name, {})[split] = int(count)
        if scene_formats:
            _place_images(
                part,
                stage,
                split,
                image_dir,
                bool(options.chip_size),
                options.link_images,
            )
        for fmt in scene_formats:
            if fmt == 'coco':
                write_coco(
                    part,
                    stage / f'{split}.json',
                    class_map,
                    file_prefix=f'{split}/',
                )
            elif fmt == 'yolo':
                write_yolo_labels(
                    part,
                    stage,
                    split,
                    class_map,
                    None if options.chip_size else progress.update,
                )
            elif fmt == 'xview':
                transforms = _geotransforms(part, stage / 'images' / split)
                write_xview_geojson(
                    part, stage / f'xView_{split}.geojson', transforms
                )
            elif fmt == 'xview-txt':
                write_xview_txt(
                    part, stage / f'xview_ann_{split}.txt', f'images/{split}/'
                )
        if 'recognition' in formats:
            size = options.chip_size or 224
            scenes = source_splits[split]
            chips = cut_object_chips(
                scenes,
                image_dir,
                stage,
                f'xview_{split}',
                size,
                options.context,
                progress=progress.update,
            )
            chip_classes = class_map
            if options.background:
                background = cut_background_chips(
                    scenes,
                    image_dir,
                    stage,
                    f'xview_{split}',
                    options.background,
                    size,
                    options.context,
                    max_overlap=options.background_max_overlap,
                    seed=options.seed,
                )
                chips = concat_tables([chips, background])
                chip_classes = class_map.with_background()
                report.per_class.setdefault('Background', {})[split] = len(
                    background
                )
            write_coco(chips, stage / f'xview_ann_{split}.json', chip_classes)
    if 'yolo' in scene_formats:
        write_dataset_yaml(
            stage / 'dataset.yaml', final_dir, list(splits), class_map
        )
    chip_root = stage / 'images' / '_chips'
    if chip_root.exists() and not any(chip_root.iterdir()):
        chip_root.rmdir()
    return report


def _place_images(
    part: AnnotationTable,
    stage: Path,
    split: str,
    image_dir: Optional[Path],
    chipped: bool,
    link: bool,
) -> None:
    """Put each image of ``part`` at ``images/<split>/<file_name>``: chips are
    moved from the staging area, source scenes are symlinked (nothing is copied
    or modified).
    """
    if image_dir is None:
        return
    for record in part.images:
        target = path_inside(stage / 'images' / split, record.file_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if chipped:
            os.replace(
                path_inside(stage / 'images' / '_chips', record.file_name),
                target,
            )
        elif link:
            target.symlink_to((image_dir / record.file_name).resolve())


def _geotransforms(part: AnnotationTable, image_root: Path) -> dict:
    from ..imagery import ImageReadError, geotransform

    transforms = {}
    for record in part.images:
        try:
            transform, crs = geotransform(image_root / record.file_name)
        except ImageReadError:
            continue
        if transform is not None and crs is not None and crs.to_epsg() == 4326:
            transforms[record.file_name] = transform
    return transforms


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc='converting',
        unit='img',
        disable=not enabled,
        file=sys.stderr,
        mininterval=0.5,
    )
