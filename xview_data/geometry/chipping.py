"""Cutting large scenes into chips: scene tiles for detection, object chips for
recognition."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Optional, Union

import numpy as np

from ..io import path_inside
from ..structures import AnnotationTable, ImageRecord
from .tiling import clip_to_window, window_starts

PathLike = Union[str, Path]


@dataclass(frozen=True)
class ChipWindow:
    """Where a planned chip comes from: a window of a source scene, and the
    name its image is written under."""

    scene_file: str
    name: str
    x: int
    y: int
    width: int
    height: int


def plan_scene_chips(
    table: AnnotationTable,
    tile_size: int,
    tile_overlap: int = 0,
    min_visible: float = 0.5,
    keep_empty: bool = False,
) -> tuple[AnnotationTable, list[ChipWindow]]:
    """Tile every scene with ``tile_size`` windows (stride ``tile_size -
    tile_overlap``) without touching pixels: the chips' annotation table and
    the windows to cut.

    An object goes into a chip when at least ``min_visible`` of its area lies
    inside, with its box clipped to the chip. Chips without objects are dropped
    unless ``keep_empty``. Chips are named ``<scene>_<x>_<y>.tif``.
    """
    if tile_size < 1:
        raise ValueError(
            f'the tile size must be at least 1 px (got {tile_size})'
        )
    if not 0 <= tile_overlap < tile_size:
        raise ValueError(
            f'tile_overlap must be in [0, tile size) (got {tile_overlap})'
        )
    stride = tile_size - tile_overlap
    chips: list[ImageRecord] = []
    windows: list[ChipWindow] = []
    columns: dict[str, list] = dict(
        image_index=[], boxes=[], type_ids=[], source_ids=[]
    )
    empty_chips = 0
    covered = np.zeros(len(table), bool)
    for position, objects in table.groups():
        scene = table.images[position]
        scene.require_size('chipping')
        boxes = table.boxes[objects]
        width, height = (
            min(tile_size, scene.width),
            min(tile_size, scene.height),
        )
        for y in window_starts(scene.height, tile_size, stride):
            for x in window_starts(scene.width, tile_size, stride):
                near = np.flatnonzero(
                    (boxes[:, 0] < x + tile_size)
                    & (boxes[:, 2] > x)
                    & (boxes[:, 1] < y + tile_size)
                    & (boxes[:, 3] > y)
                )
                keep, clipped = clip_to_window(
                    boxes[near],
                    (x, y, x + tile_size, y + tile_size),
                    min_visible,
                )
                if not len(keep) and not keep_empty:
                    empty_chips += 1
                    continue
                stem = PurePosixPath(scene.file_name)
                name = str(stem.with_name(f'{stem.stem}_{x}_{y}.tif'))
                windows.append(
                    ChipWindow(scene.file_name, name, x, y, width, height)
                )
                chip_position = len(chips)
                chips.append(
                    ImageRecord(name, width, height, scene.scene_name, (x, y))
                )
                chosen = objects[near[keep]]
                covered[chosen] = True
                columns['image_index'].append(
                    np.full(len(keep), chip_position)
                )
                columns['boxes'].append(clipped - [x, y, x, y])
                columns['type_ids'].append(table.type_ids[chosen])
                columns['source_ids'].append(table.source_ids[chosen])
    empty = dict(
        image_index=np.zeros(0, np.int64),
        boxes=np.zeros((0, 4)),
        type_ids=np.zeros(0, np.int64),
        source_ids=np.zeros(0, np.int64),
    )
    # the source's skip counts carry over, also when no chip keeps anything
    chipped = AnnotationTable(
        chips,
        *(
            np.concatenate(columns[k]) if columns[k] else empty[k]
            for k in ('image_index', 'boxes', 'type_ids', 'source_ids')
        ),
        skipped=table.skipped.copy(),
        skip_examples=dict(table.skip_examples),
    )
    lost = int((~covered).sum())
    if lost:
        chipped.skipped['below --min-visible in every chip'] += lost
    if empty_chips:
        chipped.skipped['(chips without objects, not written)'] += empty_chips
    return chipped, windows


def write_chip_images(
    windows: list[ChipWindow],
    image_dir: PathLike,
    out_dir: PathLike,
    progress: Optional[Callable] = None,
) -> None:
    """Cut the planned windows from their scenes and write them as GeoTIFFs
    under ``out_dir`` (keeping each scene's georeference, shifted to the
    chip); ``progress()`` is called once per finished scene."""
    from ..imagery import geotransform, read_image, write_geotiff

    for scene_file, group in itertools.groupby(
        windows, key=lambda w: w.scene_file
    ):
        source = Path(image_dir) / scene_file
        transform, crs = geotransform(source)
        for window in group:
            pixels = read_image(
                source, (window.x, window.y, window.width, window.height)
            )
            target = path_inside(out_dir, window.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            chip_transform = (
                None
                if transform is None
                else (transform @ transform.translation(window.x, window.y))
            )
            write_geotiff(target, pixels, chip_transform, crs)
        if progress:
            progress()


def chip_scenes(
    table: AnnotationTable,
    tile_size: int,
    tile_overlap: int = 0,
    min_visible: float = 0.5,
    keep_empty: bool = False,
    image_dir: Optional[PathLike] = None,
    out_dir: Optional[PathLike] = None,
    progress: Optional[Callable] = None,
) -> AnnotationTable:
    """:func:`plan_scene_chips`, and with ``image_dir`` and ``out_dir`` the
    chip images written by :func:`write_chip_images`; ``progress()`` is
    called once per scene."""
    chipped, windows = plan_scene_chips(
        table, tile_size, tile_overlap, min_visible, keep_empty
    )
    if image_dir is not None and out_dir is not None:
        write_chip_images(windows, image_dir, out_dir, progress)
    elif progress:
        for _ in table.groups():
            progress()
    return chipped


@dataclass(frozen=True)
class ObjectChipGeometry:
    """How a recognition chip is cut around an object: a square window of
    side ``max(context * longer box side, min_window)`` centred on the box,
    resized to ``size`` x ``size``."""

    size: int = 224
    context: float = 1.5
    min_window: int = 32

    def windows(self, boxes: np.ndarray) -> np.ndarray:
        """Each box's window ``(left, top, side)``, rounded to whole
        pixels."""
        sides = np.maximum(
            self.context
            * np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]),
            self.min_window,
        )
        left = np.round((boxes[:, 0] + boxes[:, 2]) / 2 - sides / 2)
        top = np.round((boxes[:, 1] + boxes[:, 3]) / 2 - sides / 2)
        return np.column_stack([left, top, np.round(sides)]).astype(np.int64)


def _write_window_chip(
    scene_path: Path, window, size: int, out_path: Path
) -> None:
    import cv2

    from ..imagery import read_image, write_geotiff

    left, top, side = (int(v) for v in window)
    pixels = read_image(scene_path, (left, top, side, side))
    write_geotiff(
        out_path,
        cv2.resize(pixels, (size, size), interpolation=cv2.INTER_LINEAR),
    )


def cut_object_chips(
    table: AnnotationTable,
    image_dir: PathLike,
    out_dir: PathLike,
    folder: str,
    geometry: ObjectChipGeometry = ObjectChipGeometry(),
    progress: Optional[Callable] = None,
) -> AnnotationTable:
    """One chip per object, cut and resized as ``geometry`` says; parts of
    the window outside the scene are zero. The returned table has one image
    per chip (``<folder>/<n>.tif``, numbered from 1) and the box in chip
    pixels.
    """
    size = geometry.size
    chips, boxes = [], []
    path_inside(out_dir, folder).mkdir(parents=True, exist_ok=True)
    for position, objects in table.groups():
        scene = table.images[position]
        for obj, (left, top, side) in zip(
            objects, geometry.windows(table.boxes[objects])
        ):
            name = f'{folder}/{len(chips) + 1:06d}.tif'
            _write_window_chip(
                Path(image_dir) / scene.file_name,
                (left, top, side),
                size,
                path_inside(out_dir, name),
            )
            boxes.append(
                np.clip(
                    (table.boxes[obj] - [left, top, left, top])
                    * (size / side),
                    0,
                    size,
                )
            )
            chips.append(
                ImageRecord(
                    name, size, size, scene.scene_name, (int(left), int(top))
                )
            )
        if progress:
            progress()
    order = np.argsort(table.image_index, kind='stable')
    return AnnotationTable(
        chips,
        np.arange(len(chips)),
        np.array(boxes).reshape(-1, 4),
        table.type_ids[order],
        table.source_ids[order],
        table.skipped.copy(),
        dict(table.skip_examples),
    )


def sample_background_windows(
    boxes: np.ndarray,
    width: int,
    height: int,
    count: int,
    sides: np.ndarray,
    max_overlap: float = 0.1,
    rng: Optional[np.random.Generator] = None,
    attempts: int = 50,
) -> np.ndarray:
    """Up to ``count`` square windows ``(left, top, side)`` inside a ``width``
    x ``height`` scene that hold at most ``max_overlap`` of any object's area
    (a sliver at the edge is allowed, most of an object is not). Sides are
    drawn from ``sides``."""
    rng = rng or np.random.default_rng(0)
    sides = np.asarray(sides, dtype=np.int64)
    sides = sides[sides < min(width, height)]
    if not len(sides) or count <= 0:
        return np.zeros((0, 3), np.int64)
    n = count * attempts
    side = rng.choice(sides, n)
    left = (rng.random(n) * (width - side + 1)).astype(np.int64)
    top = (rng.random(n) * (height - side + 1)).astype(np.int64)
    if len(boxes):
        inter_w = (
            np.minimum(left[:, None] + side[:, None], boxes[None, :, 2])
            - np.maximum(left[:, None], boxes[None, :, 0])
        ).clip(0)
        inter_h = (
            np.minimum(top[:, None] + side[:, None], boxes[None, :, 3])
            - np.maximum(top[:, None], boxes[None, :, 1])
        ).clip(0)
        area = (
            (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        ).clip(1e-9)
        free = ((inter_w * inter_h) / area[None]).max(1) <= max_overlap
    else:
        free = np.ones(n, bool)
    return np.column_stack([left, top, side])[free][:count]


def cut_background_chips(
    table: AnnotationTable,
    image_dir: PathLike,
    out_dir: PathLike,
    folder: str,
    per_scene: int,
    geometry: ObjectChipGeometry = ObjectChipGeometry(),
    max_overlap: float = 0.1,
    seed: int = 0,
    type_id: int = 0,
) -> AnnotationTable:
    """``per_scene`` negative chips per scene of ``table``
    (``<folder>/bg_<n>.tif``): windows with at most ``max_overlap`` of any
    object inside, at the sizes of the object chips' windows (``geometry``),
    resized as they are. Their class is ``type_id`` (the Background class) and
    their box the whole chip."""
    rng = np.random.default_rng(seed)
    size = geometry.size
    all_sides = (
        geometry.windows(table.boxes)[:, 2]
        if len(table)
        else np.array([geometry.min_window, size])
    )
    chips = []
    path_inside(out_dir, folder).mkdir(parents=True, exist_ok=True)
    by_scene = dict(table.groups())
    for position, scene in enumerate(table.images):
        boxes = table.boxes[by_scene.get(position, np.zeros(0, np.int64))]
        for window in sample_background_windows(
            boxes,
            scene.width,
            scene.height,
            per_scene,
            all_sides,
            max_overlap,
            rng,
        ):
            name = f'{folder}/bg_{len(chips) + 1:06d}.tif'
            _write_window_chip(
                Path(image_dir) / scene.file_name,
                window,
                size,
                path_inside(out_dir, name),
            )
            chips.append(
                ImageRecord(
                    name,
                    size,
                    size,
                    scene.scene_name,
                    (int(window[0]), int(window[1])),
                )
            )
    n = len(chips)
    return AnnotationTable(
        chips,
        np.arange(n),
        np.tile([0.0, 0.0, size, size], (n, 1)),
        np.full(n, type_id, np.int64),
        np.full(n, -1, np.int64),
    )
