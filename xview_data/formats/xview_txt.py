"""The xview_detection txt layout: one image per line.

``<image path>;<N>;<obj id>;<x1>,<y1>,<x2>,<y2>;<type_id>;...`` (N triplets);
lines whose first field is ``#`` or ``@`` are comments; image paths are
relative to the file's folder.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Union

from ..errors import InputError, unreadable
from ..io import atomic_write, safe_relative_path
from ..structures.annotation_table import (
    INVERTED_BOX,
    ZERO_AREA_BOX,
    AnnotationTable,
    ImageRecord,
)
from ..structures.numbers import parse_float, parse_int
from ..structures.xview_classes import NOT_SCORED_TYPE_IDS

PathLike = Union[str, Path]


def read_xview_txt(path: PathLike) -> AnnotationTable:
    """Parse the txt layout; a structural error raises ``ValueError`` naming
    file and line."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise unreadable(path, err) from err
    images: list[ImageRecord] = []
    image_index, boxes, type_ids, source_ids = [], [], [], []
    skipped: Counter = Counter()
    for lineno, line in enumerate(lines, 1):
        fields = line.strip().rstrip(';').split(';')
        if (
            not fields[0]
            or fields[0] in ('#', '@')
            or fields[0].startswith(('#', '@'))
        ):
            continue
        where = f'{path}:{lineno}'
        name = safe_relative_path(fields[0])
        if name is None:
            raise InputError(
                f"{where}: image path '{fields[0]}' is absolute or leaves the "
                "annotation file's folder"
            )
        try:
            count = parse_int(fields[1])
        except (IndexError, ValueError):
            raise InputError(
                f'{where}: second field must be the number of objects'
            ) from None
        if len(fields) != 2 + 3 * count:
            raise InputError(
                f'{where}: {count} objects announced but {len(fields) - 2}'
                ' fields follow (expected id;x1,y1,x2,y2;type_id per object)'
            )
        position = len(images)
        images.append(ImageRecord(name))
        for k in range(count):
            obj_id, box_text, type_text = fields[2 + 3 * k : 5 + 3 * k]
            try:
                box = [parse_float(v) for v in box_text.split(',')]
                type_id = parse_int(type_text)
                if len(box) != 4:
                    raise ValueError
            except ValueError:
                raise InputError(
                    f"{where}: object {k + 1}: expected 'x1,y1,x2,y2;type_id',"
                    f" got '{box_text};{type_text}'"
                ) from None
            if type_id in NOT_SCORED_TYPE_IDS:
                skipped['not-scored type_id (75/82/87)'] += 1
                continue
            if box[2] < box[0] or box[3] < box[1]:
                skipped[INVERTED_BOX] += 1
                continue
            if box[2] == box[0] or box[3] == box[1]:
                skipped[ZERO_AREA_BOX] += 1
                continue
            image_index.append(position)
            boxes.append(box)
            type_ids.append(type_id)
            source_ids.append(
                int(obj_id) if obj_id.lstrip('-').isdigit() else -1
            )
    return AnnotationTable(
        images, image_index, boxes, type_ids, source_ids, skipped
    )


def write_xview_txt(
    table: AnnotationTable, path: PathLike, image_prefix: str = ''
) -> None:
    """Write the txt layout; image paths are ``image_prefix + file_name``. A
    name holding ``;`` or a line break is refused: the layout has no escape for
    them, so no reader (ours included) could read the line back."""
    lines = []
    for position, objects in table.groups():
        name = image_prefix + table.images[position].file_name
        if ';' in name or '\n' in name or '\r' in name:
            raise InputError(
                f'{path}: image name {name!r} holds a ; or a line break, which'
                ' the xview_detection txt layout cannot represent'
            )
        parts = [name, str(len(objects))]
        for obj in objects:
            box = ','.join(str(int(round(v))) for v in table.boxes[obj])
            obj_id = (
                table.source_ids[obj] if table.source_ids[obj] >= 0 else obj
            )
            parts += [str(obj_id), box, str(int(table.type_ids[obj]))]
        lines.append(';'.join(parts))
    with atomic_write(path) as f:
        f.write('\n'.join(lines) + ('\n' if lines else ''))
