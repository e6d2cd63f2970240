"""COCO detection JSON: ``bbox`` is ``[x, y, width, height]``; ``category_id =
index + 1``.

Categories carry the xView ``type_id`` so that any COCO file this package
writes reads back to the same classes whatever class map was used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional, Union

import msgspec
import numpy as np

from ..errors import InputError, unreadable
from ..io import (
    WRITE_CHUNK,
    atomic_write,
    safe_relative_path,
    write_json_streamed,
)
from ..structures import AnnotationTable, ClassMap, ImageRecord

PathLike = Union[str, Path]


def coco_categories(class_map: ClassMap) -> list[dict]:
    return [
        dict(id=i + 1, name=name, type_id=t, supercategory='xview')
        for i, (t, name) in enumerate(zip(class_map.type_ids, class_map.names))
    ]


def write_coco(
    table: AnnotationTable,
    path: PathLike,
    class_map: ClassMap,
    file_prefix: str = '',
) -> None:
    """Write ``table`` (restricted to ``class_map``'s classes beforehand) as
    COCO JSON."""
    lut = class_map.lookup_table()
    category_ids = (lut[table.type_ids] + 1).tolist()
    if len(table) and min(category_ids) < 1:
        raise ValueError(
            'write_coco: the table holds classes outside the class map; '
            'call restrict_classes first'
        )
    xywh = table.boxes.copy()
    xywh[:, 2:] -= xywh[:, :2]
    if not np.isfinite(xywh).all():
        raise ValueError('write_coco: boxes must be finite')
    images = [
        dict(
            id=i + 1,
            file_name=file_prefix + r.file_name,
            width=r.width,
            height=r.height,
        )
        for i, r in enumerate(table.images)
    ]
    document = dict(
        info=dict(description='xView annotations written by xview-plugins'),
        images=images,
        annotations=[],
        categories=coco_categories(class_map),
    )
    head = msgspec.json.encode(document)
    marker = b'"annotations":[]'
    cut = head.index(marker) + len(marker) - 1
    columns = np.column_stack(
        [
            np.arange(1, len(table) + 1),
            table.image_index + 1,
            np.asarray(category_ids),
            xywh,
            xywh[:, 2] * xywh[:, 3],
        ]
    )
    with atomic_write(path, 'wb') as f:
        f.write(head[:cut])
        # Annotations are formatted in chunks with one C-level call each:
        # building 600k dicts for a generic encoder costs several times more
        # time and memory.
        integral = bool(np.all(columns == np.round(columns)))
        template = (
            _ANNOTATION.replace('%.2f', '%d') if integral else _ANNOTATION
        )
        for start in range(0, len(table), WRITE_CHUNK):
            rows = columns[start : start + WRITE_CHUNK]
            values = rows.astype(np.int64) if integral else rows
            text = ','.join([template] * len(rows)) % tuple(
                values.ravel().tolist()
            )
            f.write(((',' if start else '') + text).encode())
        f.write(head[cut:])


_ANNOTATION = (
    '{"id":%d,"image_id":%d,"category_id":%d,"bbox":[%.2f,%.2f,%.2f,%.2f],'
    '"area":%.2f,"iscrowd":0}'
)


def read_coco(
    path: PathLike, class_map: Optional[ClassMap] = None
) -> AnnotationTable:
    """Read COCO JSON. Categories without a ``type_id`` are resolved through
    ``class_map`` (``category_id - 1`` is the class index)."""
    path = Path(path)
    try:
        document = msgspec.json.decode(path.read_bytes())
    except OSError as err:
        raise unreadable(path, err) from err
    except msgspec.DecodeError as err:
        raise InputError(f'{path}: not valid JSON ({err})') from err
    if not isinstance(document, dict) or not {'images', 'annotations'} <= set(
        document
    ):
        raise InputError(
            f"{path}: not a COCO file (needs 'images' and 'annotations')"
        )
    for key in ('images', 'annotations', 'categories'):
        entries = document.get(key, [])
        if not isinstance(entries, list):
            raise InputError(f"{path}: '{key}' must be a list")
        for k, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise InputError(f'{path}: {key}[{k}] is not an object')
            if key != 'annotations' and type(entry.get('id')) is not int:
                raise InputError(f"{path}: {key}[{k}] has no integer 'id'")
    type_of_category = {}
    for category in document.get('categories', []):
        if 'type_id' in category:
            type_of_category[category['id']] = int(category['type_id'])
        elif class_map is not None and 1 <= category['id'] <= len(class_map):
            type_of_category[category['id']] = class_map.type_ids[
                category['id'] - 1
            ]
        else:
            raise InputError(
                f'{path}: category {category.get("id")}'
                f' ({category.get("name")}) has no type_id and no class map'
                ' resolves it (pass --classes)'
            )
    images, position_of = [], {}
    for k, entry in enumerate(document['images']):
        name = safe_relative_path(entry.get('file_name', ''))
        if name is None:
            raise InputError(
                f'{path}: image {entry.get("id")}: file_name'
                f" '{entry.get('file_name')}' is absolute or leaves the image"
                ' root'
            )
        if entry['id'] in position_of:
            raise InputError(
                f'{path}: images[{k}]: image id {entry["id"]} appears twice'
            )
        position_of[entry['id']] = len(images)
        images.append(
            ImageRecord(name, entry.get('width'), entry.get('height'))
        )
    annotations = document['annotations']
    try:
        image_index = [position_of[a['image_id']] for a in annotations]
        type_ids = [type_of_category[a['category_id']] for a in annotations]
        boxes = np.array([a['bbox'] for a in annotations], dtype=np.float64)
        if boxes.shape != (len(annotations), 4):
            raise ValueError('not four numbers')
    except (KeyError, TypeError, ValueError):
        problem = _first_bad_annotation(
            annotations, position_of, type_of_category
        )
        raise InputError(f'{path}: {problem}') from None
    boxes[:, 2:] += boxes[:, :2]
    ids = [a.get('id', -1) for a in annotations]
    return AnnotationTable(images, image_index, boxes, type_ids, ids)


def _first_bad_annotation(
    annotations: list, images: dict, categories: dict
) -> str:
    """What is wrong with the first annotation that is not usable, naming
    it."""
    for k, a in enumerate(annotations):
        where = f'annotations[{k}] (id {a.get("id")})'
        if a.get('image_id') not in images:
            return f'{where}: unknown image_id {a.get("image_id")!r}'
        if a.get('category_id') not in categories:
            return f'{where}: unknown category_id {a.get("category_id")!r}'
        bbox = a.get('bbox')
        if not (
            isinstance(bbox, list)
            and len(bbox) == 4
            and all(type(v) in (int, float) for v in bbox)
        ):
            return (
                f'{where}: bbox must be four numbers [x, y, w, h], got'
                f' {bbox!r}'
            )
    return 'malformed annotations'


def coco_detection_results(
    image_id: int, boxes: np.ndarray, labels: np.ndarray, scores: np.ndarray
) -> list[dict]:
    """COCO result entries (``image_id``, ``category_id = label + 1``,
    ``bbox`` as ``[x, y, width, height]`` to 0.01 px, ``score`` to 1e-5) of one
    image's (N, 4) ``x1, y1, x2, y2`` boxes."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    return [
        dict(
            image_id=image_id,
            category_id=int(label) + 1,
            score=round(float(score), 5),
            bbox=[
                round(x1, 2),
                round(y1, 2),
                round(x2 - x1, 2),
                round(y2 - y1, 2),
            ],
        )
        for (x1, y1, x2, y2), label, score in zip(
            boxes.tolist(), np.asarray(labels).tolist(), scores.tolist()
        )
    ]


def write_coco_results(path: PathLike, chunks: Iterable[list[dict]]) -> int:
    """COCO results (a list, as ``pycocotools`` ``loadRes`` reads them) at
    ``path``, given in chunks (e.g. :func:`coco_detection_results` of each
    scene) and encoded one at a time. Returns the number of results."""
    with atomic_write(path, 'wb') as f:
        return write_json_streamed(f, chunks)


def write_coco_images(
    path: PathLike, images: list[dict], class_map: ClassMap
) -> None:
    """The images and categories COCO results refer to, at ``path``."""
    with atomic_write(path, 'wb') as f:
        f.write(
            msgspec.json.encode(
                dict(images=images, categories=coco_categories(class_map))
            )
        )
