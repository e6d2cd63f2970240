"""xView class tables (public xView 2018 release) and the class maps built from
them.

Type ids are xView's own numbering (``properties.type_id``). A
:class:`ClassMap` assigns the contiguous indices used by models, COCO category
ids (index + 1) and YOLO class numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Union

from ..errors import InputError

XVIEW_TYPE_NAMES: dict[int, str] = {
    11: 'Fixed-wing Aircraft',
    12: 'Small Aircraft',
    13: 'Passenger/Cargo Plane',
    15: 'Helicopter',
    17: 'Passenger Vehicle',
    18: 'Small Car',
    19: 'Bus',
    20: 'Pickup Truck',
    21: 'Utility Truck',
    23: 'Truck',
    24: 'Cargo Truck',
    25: 'Truck Tractor w/ Box Trailer',
    26: 'Truck Tractor',
    27: 'Trailer',
    28: 'Truck Tractor w/ Flatbed Trailer',
    29: 'Truck Tractor w/ Liquid Tank',
    32: 'Crane Truck',
    33: 'Railway Vehicle',
    34: 'Passenger Car',
    35: 'Cargo/Container Car',
    36: 'Flat Car',
    37: 'Tank car',
    38: 'Locomotive',
    40: 'Maritime Vessel',
    41: 'Motorboat',
    42: 'Sailboat',
    44: 'Tugboat',
    45: 'Barge',
    47: 'Fishing Vessel',
    49: 'Ferry',
    50: 'Yacht',
    51: 'Container Ship',
    52: 'Oil Tanker',
    53: 'Engineering Vehicle',
    54: 'Tower crane',
    55: 'Container Crane',
    56: 'Reach Stacker',
    57: 'Straddle Carrier',
    59: 'Mobile Crane',
    60: 'Dump Truck',
    61: 'Haul Truck',
    62: 'Scraper/Tractor',
    63: 'Front loader/Bulldozer',
    64: 'Excavator',
    65: 'Cement Mixer',
    66: 'Ground Grader',
    71: 'Hut/Tent',
    72: 'Shed',
    73: 'Building',
    74: 'Aircraft Hangar',
    76: 'Damaged Building',
    77: 'Facility',
    79: 'Construction Site',
    83: 'Vehicle Lot',
    84: 'Helipad',
    86: 'Storage Tank',
    89: 'Shipping container lot',
    91: 'Shipping Container',
    93: 'Pylon',
    94: 'Tower',
}

# Present in the public xView_train.geojson but not classes; the official
# scorer ignores them.
NOT_SCORED_TYPE_IDS: frozenset[int] = frozenset((75, 82, 87))

# The xview_recognition / xview_detection benchmark subset, in index order,
# with the object counts of the report's Table 1 (type_id, name, count).
BENCHMARK12_CLASSES: tuple[tuple[int, str, int], ...] = (
    (13, 'Cargo plane', 628),
    (15, 'Helicopter', 49),
    (18, 'Small car', 195133),
    (19, 'Bus', 6549),
    (23, 'Truck', 10640),
    (41, 'Motorboat', 1231),
    (47, 'Fishing vessel', 736),
    (60, 'Dump truck', 1238),
    (64, 'Excavator', 706),
    (73, 'Building', 283491),
    (86, 'Storage tank', 1462),
    (91, 'Shipping container', 1522),
)

# Class groups of the official xView scorer.
# (type ids packed in rows: one per line would hide the table)
# fmt: off
OFFICIAL_SCORER_SPLITS: dict[str, tuple[int, ...]] = {
    'small': (
        17, 18, 19, 20, 21, 23, 24, 26, 27, 28, 32, 41,
        60, 62, 63, 64, 65, 66, 91,
    ),
    'medium': (
        11, 12, 15, 25, 29, 33, 34, 35, 36, 37, 38, 42,
        44, 47, 50, 53, 56, 59, 61, 71, 72, 73, 76, 84,
        86, 93, 94,
    ),
    'large': (
        13, 40, 45, 49, 51, 52, 54, 55, 57, 74, 77, 79,
        83, 89,
    ),
    'common': (
        13, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28,
        34, 35, 41, 47, 60, 63, 64, 71, 72, 73, 76, 77,
        79, 83, 86, 89, 91,
    ),
    'rare': (
        11, 12, 15, 29, 32, 33, 36, 37, 38, 40, 42, 44,
        45, 49, 50, 51, 52, 53, 54, 55, 56, 57, 59, 61,
        62, 65, 66, 74, 84, 93, 94,
    ),
}
# fmt: on


BACKGROUND_TYPE_ID = 0


@dataclass(frozen=True)
class ClassMap:
    """An ordered set of xView type ids with display names.

    ``index`` is the contiguous model label; COCO ``category_id`` is ``index +
    1``.
    """

    type_ids: tuple[int, ...]
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.type_ids) != len(self.names):
            raise ValueError('ClassMap needs one name per type id')
        if len(set(self.type_ids)) != len(self.type_ids):
            raise ValueError(
                f'ClassMap has duplicate type ids: {self.type_ids}'
            )

    def __len__(self) -> int:
        return len(self.type_ids)

    @property
    def index_of(self) -> dict[int, int]:
        """type_id -> index."""
        return {t: i for i, t in enumerate(self.type_ids)}

    def lookup_table(self, fill: int = -1):
        """A numpy array ``lut`` with ``lut[type_id] = index`` (``fill``
        elsewhere)."""
        import numpy as np

        lut = np.full(
            max(max(self.type_ids, default=0), 255) + 1, fill, dtype=np.int64
        )
        lut[list(self.type_ids)] = np.arange(len(self.type_ids))
        return lut

    def with_background(self) -> 'ClassMap':
        """This map plus a last ``Background`` class (type id 0, unused by
        xView), for classifiers that must reject windows without an object."""
        if BACKGROUND_TYPE_ID in self.type_ids:
            return self
        return ClassMap(
            self.type_ids + (BACKGROUND_TYPE_ID,), self.names + ('Background',)
        )

    def to_json(self) -> list[dict]:
        return [
            dict(index=i, category_id=i + 1, type_id=t, name=n)
            for i, (t, n) in enumerate(zip(self.type_ids, self.names))
        ]

    @classmethod
    def from_entries(cls, entries: Iterable[Mapping]) -> 'ClassMap':
        entries = list(entries)
        return cls(
            tuple(int(e['type_id']) for e in entries),
            tuple(
                str(
                    e.get('name')
                    or XVIEW_TYPE_NAMES.get(int(e['type_id']), e['type_id'])
                )
                for e in entries
            ),
        )


BENCHMARK12 = ClassMap(
    tuple(c[0] for c in BENCHMARK12_CLASSES),
    tuple(c[1] for c in BENCHMARK12_CLASSES),
)
XVIEW60 = ClassMap(tuple(XVIEW_TYPE_NAMES), tuple(XVIEW_TYPE_NAMES.values()))

ClassSpec = Union[str, Path, ClassMap, Iterable[int], None]


def load_class_map(spec: ClassSpec = 'benchmark12') -> ClassMap:
    """Resolve ``'benchmark12'`` (default; ``'seed12'``, its earlier name),
    ``'xview60'``, a JSON file or a list of type ids; a ``'+background'``
    suffix on a name or path adds the ``Background`` class last.

    A JSON file holds either ``[{"type_id": 18, "name": "car"}, ...]``, a list
    of type ids, or ``{"18": "car", ...}``; the order gives the indices.
    """
    if spec is None or isinstance(spec, ClassMap):
        return spec or BENCHMARK12
    if isinstance(spec, str) and spec.endswith('+background'):
        return load_class_map(spec[: -len('+background')]).with_background()
    named = dict(benchmark12=BENCHMARK12, xview60=XVIEW60, seed12=BENCHMARK12)
    if isinstance(spec, str) and spec.lower() in named:
        # 'seed12': the name earlier configs and checkpoints use
        return named[spec.lower()]
    if isinstance(spec, (str, Path)):
        path = Path(spec)
        if not path.is_file():
            raise InputError(
                f"class map '{spec}' is neither 'benchmark12', 'xview60' nor a"
                ' JSON file'
            )
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise InputError(f'{path}: cannot read class map: {err}') from err
        try:
            if isinstance(data, dict):
                return ClassMap(
                    tuple(int(k) for k in data),
                    tuple(str(v) for v in data.values()),
                )
            if data and all(isinstance(e, Mapping) for e in data):
                return ClassMap.from_entries(data)
            return _from_type_ids(data)
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(f'{path}: not a class map ({err})') from err
    return _from_type_ids(spec)


def _from_type_ids(type_ids: Iterable) -> ClassMap:
    ids = tuple(int(t) for t in type_ids)
    return ClassMap(ids, tuple(XVIEW_TYPE_NAMES.get(t, str(t)) for t in ids))
