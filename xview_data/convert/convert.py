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
from typing import Any, Optional, Sequence, Union

import numpy as np

from ..deprecation import renamed_setting
from ..formats import (
    attach_images,
    read_coco,
    read_xview_geojson,
    read_xview_txt,
    read_yolo,
    write_coco,
    write_dataset_yaml,
    write_xview_geojson,
    write_xview_txt,
    write_yolo_labels,
)
from ..geometry import (
    ObjectChipGeometry,
    chip_scenes,
    cut_background_chips,
    cut_object_chips,
    split_by_scene,
    val_scene_names,
)
from ..io import atomic_write, ensure_not_input, path_inside, staged_directory
from ..structures import (
    AnnotationTable,
    ClassMap,
    concat_tables,
    load_class_map,
)
from .report import ConvertReport

PathLike = Union[str, Path]


@dataclass
class ConvertOptions:
    src_format: str
    dst_formats: Sequence[str]
    images: Optional[PathLike] = None
    classes: Union[str, ClassMap] = 'benchmark12'
    # scene tiles for the scene formats (COCO, YOLO, txt)
    tile_size: Optional[int] = None
    tile_overlap: Optional[int] = None
    min_visible: float = 0.5
    keep_empty: bool = False
    min_size: float = 2.0
    val_fraction: float = 0.0
    # draws the validation scenes (and the background chips)
    split_seed: Optional[int] = None
    # the side of a recognition chip (--to recognition; default 224)
    chip_size: Optional[int] = None
    context: float = 1.5
    background: int = 0
    background_max_overlap: float = 0.1
    overwrite: bool = False
    link_images: bool = True
    progress: bool = True
    plot: bool = True
    # deprecated names: overlap (tile_overlap), seed (split_seed)
    overlap: Optional[int] = None
    seed: Optional[int] = None

    def __post_init__(self) -> None:
        self.tile_overlap = (
            renamed_setting(
                'convert',
                'overlap',
                'tile_overlap',
                self.overlap,
                self.tile_overlap,
            )
            or 0
        )
        self.split_seed = (
            renamed_setting(
                'convert', 'seed', 'split_seed', self.seed, self.split_seed
            )
            or 0
        )
        self.overlap = self.seed = None
        scene_formats = set(self.dst_formats) - {'recognition'}
        if (
            self.chip_size is not None
            and self.chip_size > 0
            and scene_formats
            and self.tile_size is None
        ):
            # --chip-size used to tile the scenes too
            self.tile_size = renamed_setting(
                'convert',
                'chip_size (tiling scenes)',
                'tile_size',
                self.chip_size,
                None,
            )


def _read_xview(src: Path, class_map: ClassMap, images):
    return read_xview_geojson(src), Path(images) if images else None


def _read_xview_txt(src: Path, class_map: ClassMap, images):
    return read_xview_txt(src), Path(images) if images else src.parent


def _read_coco(src: Path, class_map: ClassMap, images):
    return read_coco(src, class_map), Path(images) if images else src.parent


def _read_yolo(src: Path, class_map: ClassMap, images):
    root = src.parent if src.is_file() else src
    return read_yolo(src, class_map), root / 'images'


# source format -> reader(src, class_map, images) -> (table, image folder)
READERS = {
    'xview': _read_xview,
    'xview-txt': _read_xview_txt,
    'recognition': _read_coco,
    'coco': _read_coco,
    'yolo': _read_yolo,
}
SOURCE_FORMATS = tuple(READERS)


def read_annotations(
    src: PathLike,
    src_format: str,
    class_map: ClassMap,
    images: Optional[PathLike] = None,
) -> tuple[AnnotationTable, Optional[Path]]:
    """Read any supported source; returns the table and the folder its images
    live in."""
    if src_format not in READERS:
        raise ValueError(
            f'unknown source format {src_format!r}; choose from'
            f' {SOURCE_FORMATS}'
        )
    return READERS[src_format](Path(src), class_map, images)


@dataclass
class _SplitOutput:
    """What a scene-format writer gets for one split."""

    part: AnnotationTable
    stage: Path
    split: str
    class_map: ClassMap
    chipped: bool
    progress: Any


def _write_coco_split(out: _SplitOutput) -> None:
    write_coco(
        out.part,
        out.stage / f'{out.split}.json',
        out.class_map,
        file_prefix=f'{out.split}/',
    )


def _write_yolo_split(out: _SplitOutput) -> None:
    write_yolo_labels(
        out.part,
        out.stage,
        out.split,
        out.class_map,
        None if out.chipped else out.progress.update,
    )


def _write_xview_split(out: _SplitOutput) -> None:
    write_xview_geojson(
        out.part,
        out.stage / f'xView_{out.split}.geojson',
        _georeference(out.part, out.stage / 'images' / out.split),
    )


def _write_xview_txt_split(out: _SplitOutput) -> None:
    write_xview_txt(
        out.part,
        out.stage / f'xview_ann_{out.split}.txt',
        f'images/{out.split}/',
    )


# scene format -> writer of one split; 'recognition' cuts chips from the
# source scenes instead (in _write_outputs)
WRITERS = {
    'coco': _write_coco_split,
    'yolo': _write_yolo_split,
    'xview': _write_xview_split,
    'xview-txt': _write_xview_txt_split,
}
TARGET_FORMATS = (*WRITERS, 'recognition')


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
    for name in ('tile_size', 'chip_size'):
        value = getattr(options, name)
        if value is not None and value < 1:
            raise ValueError(
                f'--{name.replace("_", "-")} must be at least 1 px (got'
                f' {value})'
            )
    if not 0 < options.min_visible <= 1:
        # above 1 no object could ever be kept
        raise ValueError(
            f'--min-visible must be in (0, 1] (got {options.min_visible})'
        )
    if options.images is not None and not Path(options.images).is_dir():
        raise ValueError(f'--images {options.images}: no such folder')
    # a JSON class map is an input too ('+background' may follow its path)
    spec = options.classes
    spec = (
        str(spec).removesuffix('+background') if isinstance(spec, str) else ''
    )
    classes_file = spec if spec and Path(spec).is_file() else None
    ensure_not_input(out_dir, src, options.images, classes_file)
    class_map = load_class_map(options.classes)
    table, image_dir = read_annotations(
        src, options.src_format, class_map, options.images
    )
    if image_dir is not None and image_dir.is_dir():
        reads_pixels = (
            bool(options.tile_size) or 'recognition' in options.dst_formats
        )
        table = attach_images(table, image_dir, refuse_unreadable=reads_pixels)
    elif options.tile_size or 'recognition' in options.dst_formats:
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
    val_scenes = val_scene_names(
        table, options.val_fraction, options.split_seed
    )
    source_splits = split_by_scene(
        table, options.val_fraction, val_scenes=val_scenes
    )
    if options.tile_size and scene_formats:
        chipped = chip_scenes(
            table,
            options.tile_size,
            options.tile_overlap,
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
                bool(options.tile_size),
                options.link_images,
            )
        for fmt in scene_formats:
            WRITERS[fmt](
                _SplitOutput(
                    part,
                    stage,
                    split,
                    class_map,
                    bool(options.tile_size),
                    progress,
                )
            )
        if 'recognition' in formats:
            geometry = ObjectChipGeometry(
                options.chip_size or 224, options.context
            )
            scenes = source_splits[split]
            chips = cut_object_chips(
                scenes,
                image_dir,
                stage,
                f'xview_{split}',
                geometry,
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
                    geometry,
                    max_overlap=options.background_max_overlap,
                    seed=options.split_seed,
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


def _georeference(part: AnnotationTable, image_root: Path) -> dict:
    """``file_name -> (transform, crs)`` of the georeferenced images."""
    from ..imagery import ImageReadError, geotransform

    found = {}
    for record in part.images:
        try:
            transform, crs = geotransform(image_root / record.file_name)
        except ImageReadError:
            continue
        if transform is not None:
            found[record.file_name] = (transform, crs)
    return found


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
