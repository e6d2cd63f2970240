import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# XVIEW_REFERENCE_DIR points the tests at another copy of shared/reference
REFERENCE = Path(
    os.environ.get('XVIEW_REFERENCE_DIR')
    or ROOT.parent / 'shared' / 'reference'
)


# --cfg-options that load data in the test's process (no worker processes)
LOADERS_IN_PROCESS = [
    f'{loader}.{option}'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    for option in ('num_workers=0', 'persistent_workers=False')
]


def reference_missing_outcome(ci: bool):
    """Without ``../shared/reference`` a test skips on a developer's machine
    and fails under CI (``CI=true``), where the reference is always laid beside
    the clone."""
    message = f'shared reference data not found at {REFERENCE}'
    return (pytest.fail, message) if ci else (pytest.skip, message)


@pytest.fixture(scope='session')
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        outcome, message = reference_missing_outcome(
            os.environ.get('CI', '').lower() in ('1', 'true', 'yes')
        )
        outcome(message)
    return REFERENCE


@pytest.fixture(scope='session')
def synthetic_release(tmp_path_factory) -> Path:
    """A small synthetic xView release (3 scenes of 512 px), shared by the
    session."""
    from xview_data.synthetic import SyntheticSpec, generate_synthetic_xview

    out = tmp_path_factory.mktemp('synthetic') / 'release'
    return generate_synthetic_xview(
        out, SyntheticSpec(num_images=3, size=512, seed=7)
    )


def write_geojson(path: Path, features: list) -> Path:
    """Features given as (bounds, type_id, image_id[, feature_id]) or raw
    dicts."""
    out = []
    for k, feature in enumerate(features):
        if isinstance(feature, dict):
            out.append(feature)
            continue
        bounds, type_id, image_id, *rest = feature
        out.append(
            dict(
                type='Feature',
                geometry=None,
                properties=dict(
                    bounds_imcoords=bounds,
                    type_id=type_id,
                    image_id=image_id,
                    feature_id=rest[0] if rest else k,
                ),
            )
        )
    path.write_text(json.dumps(dict(type='FeatureCollection', features=out)))
    return path


def write_tif(
    path: Path, width: int, height: int, bands: int = 3, dtype: str = 'uint8'
) -> Path:
    import numpy as np
    import rasterio

    path.parent.mkdir(parents=True, exist_ok=True)
    data = (
        (np.arange(width * height * bands) % 251)
        .reshape(bands, height, width)
        .astype(dtype)
    )
    with rasterio.open(
        path,
        'w',
        driver='GTiff',
        width=width,
        height=height,
        count=bands,
        dtype=dtype,
    ) as dst:
        dst.write(data)
    return path


def objects_by_image(table, strip_prefix: str = '', decimals: int = 0) -> dict:
    """file name -> sorted (type_id, rounded box) of its objects, for
    order-free comparison."""
    import numpy as np

    result = {}
    for position, objects in table.groups():
        name = table.images[position].file_name
        name = (
            name[len(strip_prefix) :]
            if name.startswith(strip_prefix)
            else name
        )
        result[name] = sorted(
            (
                int(table.type_ids[k]),
                tuple(np.round(table.boxes[k], decimals).tolist()),
            )
            for k in objects
        )
    return result
