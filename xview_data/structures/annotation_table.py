"""The in-memory annotation table every reader produces and every writer
consumes.

Columnar (numpy) so that xView-scale files (600k objects) convert in seconds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Iterator, Optional

import numpy as np

from ..errors import InputError

# skip reasons shared by the readers
INVERTED_BOX = 'inverted box (xmax < xmin or ymax < ymin)'
ZERO_AREA_BOX = 'zero-area box'


@dataclass
class ImageRecord:
    """One image: ``file_name`` relative to the image root, size when known.

    ``scene`` names the source scene (a chip's parent) so that splits never put
    one scene on both sides; ``origin`` is a chip's top-left corner in that
    scene.
    """

    file_name: str
    width: Optional[int] = None
    height: Optional[int] = None
    scene: Optional[str] = None
    origin: tuple[int, int] = (0, 0)

    @property
    def scene_name(self) -> str:
        return self.scene or self.file_name

    def require_size(self, purpose: str) -> tuple[int, int]:
        """``(width, height)``, or an ``InputError`` saying that ``purpose``
        needs them (sizes are read from the images given with --images)."""
        if not self.width or not self.height:
            raise InputError(
                f'{self.file_name}: {purpose} needs the image size; pass'
                ' --images so that sizes can be read'
            )
        return self.width, self.height


@dataclass
class AnnotationTable:
    """Objects as parallel columns.

    Attributes:
        images: the images, objects refer to them by position.
        image_index: (N,) int64 position of each object's image in ``images``.
        boxes: (N, 4) float64 ``xmin, ymin, xmax, ymax`` in pixels.
        type_ids: (N,) int64 xView type ids (xView numbering, not model
            indices).
        source_ids: (N,) int64 ids from the source file (feature_id / object
            id), -1 if none.
        skipped: reason -> number of source objects not in the table.
        skip_examples: reason -> where the first such object was (for
            messages).
    """

    images: list[ImageRecord]
    image_index: np.ndarray
    boxes: np.ndarray
    type_ids: np.ndarray
    source_ids: np.ndarray
    skipped: Counter = field(default_factory=Counter)
    skip_examples: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.image_index = np.asarray(
            self.image_index, dtype=np.int64
        ).reshape(-1)
        self.boxes = np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4)
        self.type_ids = np.asarray(self.type_ids, dtype=np.int64).reshape(-1)
        self.source_ids = np.asarray(self.source_ids, dtype=np.int64).reshape(
            -1
        )
        n = len(self.image_index)
        if not (
            len(self.boxes) == len(self.type_ids) == len(self.source_ids) == n
        ):
            raise ValueError('AnnotationTable columns differ in length')

    @classmethod
    def empty(
        cls, images: Optional[list[ImageRecord]] = None
    ) -> 'AnnotationTable':
        return cls(
            list(images or []),
            np.zeros(0, np.int64),
            np.zeros((0, 4)),
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
        )

    def __len__(self) -> int:
        return len(self.type_ids)

    def select(
        self, keep: np.ndarray, reason: Optional[str] = None
    ) -> 'AnnotationTable':
        """Keep the objects where ``keep`` is true; count the others under
        ``reason``."""
        keep = np.asarray(keep)
        if keep.dtype != bool:
            mask = np.zeros(len(self), bool)
            mask[keep] = True
            keep = mask
        skipped = Counter(self.skipped)
        dropped = int((~keep).sum())
        if reason and dropped:
            skipped[reason] += dropped
        return replace(
            self,
            image_index=self.image_index[keep],
            boxes=self.boxes[keep],
            type_ids=self.type_ids[keep],
            source_ids=self.source_ids[keep],
            skipped=skipped,
            skip_examples=dict(self.skip_examples),
        )

    def with_skip_reason(self, reason: str, count: int) -> 'AnnotationTable':
        """The same table with ``count`` more objects counted as skipped for
        ``reason``."""
        skipped = Counter(self.skipped)
        if count:
            skipped[reason] += count
        return replace(
            self, skipped=skipped, skip_examples=dict(self.skip_examples)
        )

    def restrict_classes(self, type_ids) -> 'AnnotationTable':
        """Keep objects whose type id is in ``type_ids``; count the rest."""
        return self.select(
            np.isin(self.type_ids, list(type_ids)),
            'class not in the class map',
        )

    def skip_summary(self) -> str:
        """One line: every skip reason with its count (and first example)."""
        return '; '.join(
            f'{reason}: {count}'
            + (
                f' (e.g. {self.skip_examples[reason]})'
                if reason in self.skip_examples
                else ''
            )
            for reason, count in sorted(self.skipped.items())
        )

    def image_sizes(self) -> np.ndarray:
        """(M, 2) width, height per image; NaN where unknown."""
        return np.array(
            [
                (
                    r.width if r.width else np.nan,
                    r.height if r.height else np.nan,
                )
                for r in self.images
            ],
            dtype=np.float64,
        ).reshape(-1, 2)

    def groups(self) -> Iterator[tuple[int, np.ndarray]]:
        """(image position, object positions) for every image, objects in table
        order."""
        order = np.argsort(self.image_index, kind='stable')
        bounds = np.searchsorted(
            self.image_index[order], np.arange(len(self.images) + 1)
        )
        for i in range(len(self.images)):
            yield i, order[bounds[i] : bounds[i + 1]]

    def subset_images(self, image_positions) -> 'AnnotationTable':
        """The table restricted to some images, renumbered."""
        image_positions = np.asarray(
            sorted(set(int(i) for i in image_positions)), np.int64
        )
        remap = np.full(len(self.images), -1, np.int64)
        remap[image_positions] = np.arange(len(image_positions))
        keep = remap[self.image_index] >= 0 if len(self) else np.zeros(0, bool)
        sub = self.select(keep)
        sub.images = [self.images[i] for i in image_positions]
        sub.image_index = remap[sub.image_index]
        return sub

    def clean(self, min_size: float = 1.0) -> 'AnnotationTable':
        """Clip boxes to their image (where the size is known) and drop boxes
        narrower or lower than ``min_size`` pixels; counts ``clipped`` and
        ``too small``.
        """
        boxes = self.boxes.copy()
        sizes = (
            self.image_sizes()[self.image_index]
            if len(self)
            else np.zeros((0, 2))
        )
        known = ~np.isnan(sizes[:, 0])
        upper = np.where(
            known[:, None], np.concatenate([sizes, sizes], 1), np.inf
        )
        clipped = np.clip(boxes, 0, upper)
        changed = int(np.any(clipped != boxes, axis=1).sum())
        table = replace(
            self,
            boxes=clipped,
            skipped=Counter(self.skipped),
            skip_examples=dict(self.skip_examples),
        )
        if changed:
            table.skipped['clipped (kept)'] += changed
        wh = clipped[:, 2:] - clipped[:, :2]
        return table.select(
            (wh >= min_size).all(axis=1), 'too small or outside the image'
        )


def concat_tables(tables: list[AnnotationTable]) -> AnnotationTable:
    """Concatenate tables; image positions are shifted, skip counters added
    up."""
    images: list[ImageRecord] = []
    offsets = []
    skipped: Counter = Counter()
    for t in tables:
        offsets.append(len(images))
        images.extend(t.images)
        skipped.update(t.skipped)
    if not tables:
        return AnnotationTable.empty()
    return AnnotationTable(
        images,
        np.concatenate([t.image_index + o for t, o in zip(tables, offsets)]),
        np.concatenate([t.boxes for t in tables]),
        np.concatenate([t.type_ids for t in tables]),
        np.concatenate([t.source_ids for t in tables]),
        skipped,
    )
