"""A synthetic xView release, so that the demo and the tests run without the
real data.

Scenes are georeferenced 3-band GeoTIFFs at 0.3 m ground sampling with textured
ground, roads, water and shadows; the 12 benchmark classes are drawn at
plausible sizes and random orientations, with class frequencies skewed like the
report's Table 1. The annotation file follows the public
``xView_train.geojson`` schema (pixel ``bounds_imcoords`` plus a lon/lat
polygon from each GeoTIFF's transform) and carries the real file's defects at
small rates. The recognition (chips + JSON) and detection (txt) layouts are
derived from it with the package's own converters.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

import cv2
import numpy as np

from ..io import staged_directory
from ..structures import (
    BENCHMARK12,
    BENCHMARK12_CLASSES,
    AnnotationTable,
    ImageRecord,
)

logger = logging.getLogger(__name__)
PathLike = Union[str, Path]
GSD_METRES = 0.3
METRES_PER_DEGREE = 111_320.0
# as in the public file: features whose image is not released
MISSING_IMAGE_ID = '1395.tif'


@dataclass(frozen=True)
class SyntheticSpec:
    """What the generator makes (the defaults give the demo's release)."""

    num_images: int = 12  # square scenes
    size: int = 1024  # scene side in px
    seed: int = 0  # the whole release follows from it
    objects_per_megapixel: float = 90.0
    defect_rate: float = 0.005  # share of features with the file's defects
    min_class_share: float = 0.02  # floor of a class's share of objects
    recognition_chip_size: int = 224  # the recognition layout's chips
    test_fraction: float = 0.25  # scenes held out for the test layouts


def class_probabilities(min_share: float) -> np.ndarray:
    """Table 1 frequencies with a floor, so that rare classes still occur in a
    small set."""
    counts = np.array([c[2] for c in BENCHMARK12_CLASSES], np.float64)
    shares = np.maximum(counts / counts.sum(), min_share)
    return shares / shares.sum()


# ---------------------------------------------------------------------------
# drawing
def _rotated(
    points: np.ndarray, angle: float, centre: tuple[float, float]
) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    return points @ rot.T + np.asarray(centre)


def _rect(length: float, width: float) -> np.ndarray:
    return np.array(
        [
            [-length / 2, -width / 2],
            [length / 2, -width / 2],
            [length / 2, width / 2],
            [-length / 2, width / 2],
        ]
    )


def _fill(
    img: np.ndarray, polygons: list[np.ndarray], colour, shadow: float = 0.0
) -> None:
    if shadow:
        for poly in polygons:
            pts = np.round((poly + shadow) * 4).astype(np.int32)
            cv2.fillPoly(
                img, [pts], (38, 42, 40), lineType=cv2.LINE_AA, shift=2
            )
    for poly in polygons:
        cv2.fillPoly(
            img,
            [np.round(poly * 4).astype(np.int32)],
            colour,
            lineType=cv2.LINE_AA,
            shift=2,
        )


def _colour(
    rng: np.random.Generator, base, jitter: int = 20
) -> tuple[int, int, int]:
    return tuple(
        int(np.clip(b + rng.integers(-jitter, jitter + 1), 0, 255))
        for b in base
    )


# colours of the drawn objects
_CAR_COLOURS = [(235, 235, 235), (30, 30, 30), (40, 40, 170), (150, 60, 20)]
_CAR_COLOURS += [(160, 160, 160), (200, 200, 210), (30, 90, 30)]
_CONTAINER_COLOURS = [(40, 40, 190), (170, 90, 20), (20, 120, 230)]
_CONTAINER_COLOURS += [(60, 140, 60), (190, 190, 190)]


def _draw_object(
    img: np.ndarray,
    type_id: int,
    centre,
    angle: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw one object; returns all its outline points (for the bounding
    box)."""
    u = rng.uniform
    if type_id == 18:  # small car ~15 x 7 px
        body = _rotated(_rect(u(13, 17), u(6, 8)), angle, centre)
        cab = _rotated(_rect(5, 5) + [1, 0], angle, centre)
        colour = _CAR_COLOURS[rng.integers(len(_CAR_COLOURS))]
        _fill(img, [body], _colour(rng, colour, 15), shadow=1.5)
        _fill(img, [cab], tuple(int(c * 0.6) for c in colour))
        return body
    if type_id == 19:  # bus ~40 x 9 px, white/yellow roof with AC units
        body = _rotated(_rect(u(36, 44), u(8, 10)), angle, centre)
        _fill(
            img,
            [body],
            _colour(rng, rng.choice([(235, 235, 235), (40, 200, 230)]), 10),
            shadow=3,
        )
        for k in (-10, 0, 10):
            _fill(
                img,
                [_rotated(_rect(4, 4) + [k, 0], angle, centre)],
                (150, 150, 150),
            )
        return body
    if type_id == 23:  # truck ~28 x 9 px: cab + box
        length, width = u(22, 34), u(8, 10)
        box = _rotated(
            _rect(length * 0.75, width) + [-length * 0.125, 0], angle, centre
        )
        cab = _rotated(
            _rect(length * 0.2, width * 0.9) + [length * 0.4, 0], angle, centre
        )
        _fill(img, [box], _colour(rng, (215, 215, 210), 25), shadow=3)
        _fill(img, [cab], _colour(rng, (40, 40, 160), 40))
        return np.vstack([box, cab])
    if type_id == 60:  # dump truck ~23 x 10 px, yellow with a dark bed
        length, width = u(20, 26), u(9, 11)
        body = _rotated(_rect(length, width), angle, centre)
        bed = _rotated(
            _rect(length * 0.6, width * 0.75) + [-length * 0.15, 0],
            angle,
            centre,
        )
        _fill(img, [body], _colour(rng, (20, 170, 230), 20), shadow=3)
        _fill(img, [bed], _colour(rng, (60, 75, 90), 15))
        return body
    if type_id == 64:  # excavator: square house + long arm
        house = _rotated(_rect(u(11, 14), u(10, 13)), angle, centre)
        arm = _rotated(_rect(u(16, 22), 4) + [12, 0], angle, centre)
        _fill(img, [arm], _colour(rng, (10, 140, 200), 15), shadow=2)
        _fill(img, [house], _colour(rng, (20, 180, 235), 15), shadow=3)
        return np.vstack([house, arm])
    if type_id in (41, 47):  # boats on a patch of water, with a wake
        length = u(14, 24) if type_id == 41 else u(40, 70)
        width = u(5, 8) if type_id == 41 else u(12, 18)
        water_r = int(length * 1.1)
        cv2.circle(
            img,
            tuple(int(v) for v in centre),
            water_r,
            (95, 70, 40),
            -1,
            cv2.LINE_AA,
        )
        wake = _rotated(
            _rect(length * 1.2, width * 0.6) + [-length * 0.9, 0],
            angle,
            centre,
        )
        _fill(img, [wake], (140, 125, 105))
        hull = _rotated(
            np.array(
                [
                    [-length / 2, -width / 2],
                    [length * 0.3, -width / 2],
                    [length / 2, 0],
                    [length * 0.3, width / 2],
                    [-length / 2, width / 2],
                ]
            ),
            angle,
            centre,
        )
        colour = (
            (240, 240, 240)
            if type_id == 41
            else rng.choice([(150, 60, 30), (40, 40, 170)])
        )
        _fill(
            img,
            [hull],
            _colour(rng, colour, 15),
            shadow=1 if type_id == 41 else 2,
        )
        if type_id == 47:
            _fill(
                img,
                [_rotated(_rect(length * 0.25, width * 0.6), angle, centre)],
                (220, 220, 220),
            )
        return hull
    if type_id == 13:  # cargo plane: fuselage, swept wings, tail
        length = u(120, 190)
        span, chord = length * u(0.9, 1.05), length * 0.14
        fuselage = _rotated(_rect(length, length * 0.1), angle, centre)
        wing = np.array(
            [
                [length * 0.12, 0],
                [-length * 0.05, span / 2],
                [-length * 0.05 - chord, span / 2],
                [-length * 0.02, 0],
                [-length * 0.05 - chord, -span / 2],
                [-length * 0.05, -span / 2],
            ]
        )
        tail = np.array(
            [
                [-length * 0.38, 0],
                [-length * 0.48, length * 0.18],
                [-length * 0.5, length * 0.18],
                [-length * 0.47, 0],
                [-length * 0.5, -length * 0.18],
                [-length * 0.48, -length * 0.18],
            ]
        )
        parts = [
            fuselage,
            _rotated(wing, angle, centre),
            _rotated(tail, angle, centre),
        ]
        _fill(
            img, parts, _colour(rng, (225, 225, 222), 12), shadow=length * 0.05
        )
        return np.vstack(parts)
    if type_id == 15:  # helicopter: body, tail boom, faint rotor disc
        length = u(40, 52)
        body = _rotated(_rect(length * 0.4, length * 0.2), angle, centre)
        boom = _rotated(
            _rect(length * 0.5, length * 0.06) + [-length * 0.4, 0],
            angle,
            centre,
        )
        colour = _colour(rng, (60, 80, 60), 15)
        _fill(img, [body, boom], colour, shadow=3)
        for blade in range(2):
            rotor = _rotated(
                _rect(length * 0.95, 2),
                angle + blade * math.pi / 2 + 0.4,
                centre,
            )
            _fill(img, [rotor], (50, 50, 50))
        disc = _rotated(_rect(length * 0.95, length * 0.95), 0, centre)
        return np.vstack([body, boom, disc])
    if type_id == 73:  # building: roof with a ridge line, long shadow
        length, width = u(30, 150), u(30, 110)
        roof = _rotated(_rect(length, width), angle, centre)
        colour = _colour(
            rng,
            rng.choice(
                [
                    (120, 120, 125),
                    (60, 80, 150),
                    (80, 110, 140),
                    (175, 175, 180),
                ]
            ),
            20,
        )
        _fill(img, [roof], colour, shadow=min(length, width) * 0.12)
        ridge = _rotated(
            np.array([[-length / 2, 0], [length / 2, 0]]), angle, centre
        )
        cv2.line(
            img,
            tuple(np.round(ridge[0]).astype(int)),
            tuple(np.round(ridge[1]).astype(int)),
            tuple(int(c * 0.75) for c in colour),
            2,
            cv2.LINE_AA,
        )
        return roof
    if (
        type_id == 86
    ):  # storage tank: round, light, with an inner ring and a shadow
        radius = u(10, 35)
        cx, cy = centre
        cv2.circle(
            img,
            (int(cx + radius * 0.2), int(cy + radius * 0.2)),
            int(radius),
            (38, 42, 40),
            -1,
            cv2.LINE_AA,
        )
        cv2.circle(
            img,
            (int(cx), int(cy)),
            int(radius),
            _colour(rng, (215, 215, 215), 15),
            -1,
            cv2.LINE_AA,
        )
        cv2.circle(
            img,
            (int(cx), int(cy)),
            int(radius * 0.7),
            (175, 175, 175),
            1,
            cv2.LINE_AA,
        )
        return np.array(
            [[cx - radius, cy - radius], [cx + radius, cy + radius]]
        )
    if type_id == 91:  # shipping container ~40 x 8 px, saturated colours
        body = _rotated(_rect(u(38, 42), 8), angle, centre)
        _fill(
            img,
            [body],
            _colour(
                rng,
                _CONTAINER_COLOURS[rng.integers(len(_CONTAINER_COLOURS))],
                15,
            ),
            shadow=2,
        )
        return body
    raise ValueError(f'no drawing for type_id {type_id}')


def _background(size: int, rng: np.random.Generator) -> np.ndarray:
    """Ground texture: blended low-frequency noise in soil/vegetation tones,
    plus roads."""
    base = np.array(
        rng.choice([(95, 120, 125), (80, 115, 100), (110, 130, 140)]),
        np.float32,
    )
    tint = np.array(
        [1.0, 1.2, 0.8], np.float32
    )  # large patches vary most in green
    ground = np.broadcast_to(base, (size, size, 3)).copy()
    for cell, amplitude in ((64, 28.0), (16, 12.0), (3, 7.0)):
        noise = rng.standard_normal(
            (size // cell + 2, size // cell + 2)
        ).astype(np.float32)
        layer = cv2.resize(noise, (size, size), interpolation=cv2.INTER_CUBIC)[
            ..., None
        ]
        ground += amplitude * layer * (tint if cell == 64 else 1.0)
    img = np.clip(ground, 0, 255).astype(np.uint8)
    for _ in range(rng.integers(1, 4)):  # asphalt roads
        horizontal = rng.random() < 0.5
        offset, width = int(rng.integers(0, size)), int(rng.integers(14, 30))
        p1, p2 = (
            ((0, offset), (size, offset + int(rng.integers(-80, 80))))
            if horizontal
            else ((offset, 0), (offset + int(rng.integers(-80, 80)), size))
        )
        cv2.line(img, p1, p2, (75, 78, 80), width, cv2.LINE_AA)
    return img


# ---------------------------------------------------------------------------
# scenes
def _scene(size: int, spec: SyntheticSpec, rng: np.random.Generator):
    img = _background(size, rng)
    probs = class_probabilities(spec.min_class_share)
    n_objects = rng.poisson(spec.objects_per_megapixel * size * size / 1e6)
    # Buildings first so that vehicles and tanks are drawn on top of ground,
    # not under roofs.
    type_ids = np.array(BENCHMARK12.type_ids)[
        rng.choice(len(probs), n_objects, p=probs)
    ]
    type_ids = sorted(type_ids.tolist(), key=lambda t: (t != 73, t))
    boxes, kept_types = [], []
    occupied = np.zeros((size, size), bool)
    for type_id in type_ids:
        for _attempt in range(8):
            margin = (
                0 if rng.random() < 0.08 else 40
            )  # some objects cross the border
            centre = rng.uniform(margin, size - margin, 2)
            angle = (
                rng.uniform(0, math.pi * 2)
                if type_id != 73
                else rng.normal(0, 0.3)
            )
            object_seed = int(rng.integers(1 << 31))
            probe = _draw_object(
                np.zeros((1, 1, 3), np.uint8),
                type_id,
                centre,
                angle,
                np.random.default_rng(object_seed),
            )
            x1, y1 = np.floor(probe.min(axis=0)).astype(int)
            x2, y2 = np.ceil(probe.max(axis=0)).astype(int)
            sub = occupied[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)]
            if sub.size and sub.mean() > 0.15:
                continue
            outline = _draw_object(
                img, type_id, centre, angle, np.random.default_rng(object_seed)
            )
            x1, y1 = np.floor(outline.min(axis=0))
            x2, y2 = np.ceil(outline.max(axis=0))
            if x2 <= 0 or y2 <= 0 or x1 >= size or y1 >= size:
                break
            occupied[
                max(int(y1), 0) : max(int(y2), 0),
                max(int(x1), 0) : max(int(x2), 0),
            ] = True
            boxes.append([x1, y1, x2, y2])
            kept_types.append(type_id)
            break
    # A mild blur and sensor noise, as in a resampled satellite product.
    img = cv2.GaussianBlur(img, (3, 3), 0.6)
    img = np.clip(
        img.astype(np.int16) + rng.integers(-4, 5, img.shape), 0, 255
    ).astype(np.uint8)
    return (
        img,
        np.array(boxes, np.float64).reshape(-1, 4),
        np.array(kept_types, np.int64),
    )


def _geotransform(rng: np.random.Generator):
    from rasterio.transform import from_origin

    lat = float(rng.uniform(-40, 50))
    lon = float(rng.uniform(-120, 140))
    yres = GSD_METRES / METRES_PER_DEGREE
    xres = yres / math.cos(math.radians(lat))
    return from_origin(lon, lat, xres, yres)


def _add_defects(
    table: AnnotationTable, rng: np.random.Generator, rate: float
) -> list[dict]:
    """Extra raw features with the public file's defects (pixel-space,
    pre-serialization)."""
    n = max(1, int(round(rate * len(table))))
    defects = []
    for k in range(n):
        image = table.images[int(rng.integers(len(table.images)))].file_name
        x, y = (int(v) for v in rng.integers(0, 500, 2))
        defects += [
            dict(
                bounds=f'{x},{y},{x},{y + 9}', type_id=18, image_id=image
            ),  # zero area
            dict(bounds='', type_id=73, image_id=image),  # empty bounds
            dict(
                bounds=f'{x},{y},{x + 30},{y + 30}',
                type_id=int(rng.choice([75, 82, 87])),
                image_id=image,
            ),  # not scored
            dict(
                bounds=f'{x},{y},{x + 15},{y + 7}',
                type_id=18,
                image_id=MISSING_IMAGE_ID,
            ),
        ]
    return defects


def generate_synthetic_xview(
    out_dir: PathLike,
    spec: SyntheticSpec = SyntheticSpec(),
    progress: Optional[Callable[[], None]] = None,
    overwrite: bool = False,
) -> Path:
    """Write the synthetic release into ``out_dir`` (atomically) and return it.

    Layout: ``train_images/<id>.tif`` + ``xView_train.geojson`` (official);
    ``xview_ann_{train,test}.txt`` (detection txt, paths relative to
    ``out_dir``); ``recognition/xview_ann_{train,test}.json`` +
    ``recognition/xview_{train,test}/*.tif``. Train/test is split by scene
    (``test_fraction`` of them).
    """
    from rasterio.crs import CRS

    from ..formats import write_coco, write_xview_txt
    from ..geometry import ObjectChipGeometry, cut_object_chips, split_by_scene
    from ..imagery import write_geotiff

    if spec.num_images < 1:
        raise ValueError(
            f'--num-images must be at least 1 (got {spec.num_images})'
        )
    if spec.size < 64:
        raise ValueError(f'--size must be at least 64 px (got {spec.size})')
    rng = np.random.default_rng(spec.seed)
    image_ids = rng.choice(
        np.arange(100, 2500), spec.num_images, replace=False
    )
    image_ids = [int(i) for i in image_ids if int(i) != 1395]
    with staged_directory(out_dir, overwrite) as stage:
        images, columns, transforms = [], [], {}
        for position, image_id in enumerate(image_ids):
            scene_rng = np.random.default_rng([spec.seed, image_id])
            pixels, boxes, type_ids = _scene(spec.size, spec, scene_rng)
            name = f'{image_id}.tif'
            transform = _geotransform(scene_rng)
            transforms[name] = (transform, CRS.from_epsg(4326))
            (stage / 'train_images').mkdir(exist_ok=True)
            write_geotiff(
                stage / 'train_images' / name, pixels, transform, 'EPSG:4326'
            )
            images.append(ImageRecord(name, spec.size, spec.size))
            columns.append((np.full(len(boxes), position), boxes, type_ids))
            if progress:
                progress()
        table = AnnotationTable(
            images,
            *(np.concatenate([c[k] for c in columns]) for k in range(2)),
            np.concatenate([c[2] for c in columns]),
            np.arange(len(np.concatenate([c[2] for c in columns]))) + 1,
        )
        _write_official(
            stage / 'xView_train.geojson',
            table,
            transforms,
            _add_defects(table, rng, spec.defect_rate),
        )
        # Derived layouts use the clean table (clipped to the scene, as a
        # reader would).
        clean = table.clean(min_size=2.0)
        splits = split_by_scene(clean, spec.test_fraction, spec.seed)
        for split, name in (('train', 'train'), ('val', 'test')):
            part = splits.get(split)
            if part is None:
                continue
            write_xview_txt(
                part, stage / f'xview_ann_{name}.txt', 'train_images/'
            )
            chips = cut_object_chips(
                part,
                stage / 'train_images',
                stage / 'recognition',
                f'xview_{name}',
                ObjectChipGeometry(spec.recognition_chip_size),
            )
            write_coco(
                chips,
                stage / 'recognition' / f'xview_ann_{name}.json',
                BENCHMARK12,
            )
    return Path(out_dir)


def _write_official(
    path: Path, table: AnnotationTable, transforms: dict, defects: list[dict]
):
    """The official schema, defects appended as raw features."""
    import msgspec

    from ..formats.xview_geojson import xview_feature_collection
    from ..io import atomic_write

    document = xview_feature_collection(
        table, transforms, edited_by='synthetic'
    )
    next_id = len(table) + 1
    template = (
        document['features'][0]['properties'] if document['features'] else {}
    )
    for k, defect in enumerate(defects):
        properties = dict(
            template,
            bounds_imcoords=defect['bounds'],
            type_id=defect['type_id'],
            image_id=defect['image_id'],
            feature_id=next_id + k,
        )
        document['features'].append(
            dict(type='Feature', properties=properties, geometry=None)
        )
    # Shuffle deterministically so that defects are not all at the end, as in
    # the real file.
    order = np.random.default_rng(len(document['features'])).permutation(
        len(document['features'])
    )
    document['features'] = [document['features'][i] for i in order]
    with atomic_write(path, 'wb') as f:
        f.write(msgspec.json.encode(document))
