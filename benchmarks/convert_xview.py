"""GeoJSON -> YOLO labels + COCO JSON at xView scale: wall time and peak RSS.

Builds (once, cached) an xView-scale release: 601,937 features over 847
header-only GeoTIFFs of about 3000 px, in the public schema. Then runs, each in
a child process so that peak RSS is its own:

* ours: ``tools/convert_annotations.py --from xview --to yolo``, and with
  ``coco`` too;
* baseline: the straightforward converter (``json.load``, the reader's rules in
  a per-feature loop, boxes grouped by image once, each label file written
  once); its labels must equal ours (the benchmark fails otherwise).

* the parsing limit: a typed msgspec decode of the file alone.

Prints the figures and their ratios; targets: ours <= 6 s and <= 900 MB.

    python benchmarks/convert_xview.py \
        [--features 601937 --images 847 --data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASELINE = r"""
import json, os, sys
from collections import defaultdict
from PIL import Image
src, images, out = sys.argv[1:4]
with open(src) as f:
    data = json.load(f)
classes = {13: 0, 15: 1, 18: 2, 19: 3, 23: 4, 41: 5, 47: 6, 60: 7, 64: 8,
           73: 9, 86: 10, 91: 11}
# the reader's rules: boxes of the 12 classes with four numbers and positive
# area, the first of each feature_id, clipped to the image, at least 2 px wide
# and high
rows, seen = defaultdict(list), set()
for feature in data['features']:
    p = feature.get('properties') or {}
    try:
        x1, y1, x2, y2 = (float(v) for v in p['bounds_imcoords'].split(','))
    except (KeyError, AttributeError, ValueError):
        continue
    if x2 <= x1 or y2 <= y1 or p.get('type_id') not in classes:
        continue
    if p.get('feature_id') in seen:
        continue
    seen.add(p.get('feature_id'))
    rows[p['image_id']].append((classes[p['type_id']], x1, y1, x2, y2))
os.makedirs(out, exist_ok=True)
# grouped once: each label file is written once
for image, boxes in rows.items():
    path = os.path.join(images, image)
    if not os.path.exists(path):
        continue
    w, h = Image.open(path).size
    lines = []
    for c, x1, y1, x2, y2 in boxes:
        x1, x2 = min(max(x1, 0), w), min(max(x2, 0), w)
        y1, y2 = min(max(y1, 0), h), min(max(y2, 0), h)
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        lines.append(f"{c} {(x1 + x2) / 2 / w:.6f} {(y1 + y2) / 2 / h:.6f} "
                     f"{(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}\n")
    if lines:
        name = image.rsplit('.', 1)[0] + '.txt'
        with open(os.path.join(out, name), 'w') as label:
            label.write(''.join(lines))
"""


def compare_labels(ours: Path, baseline: Path) -> int:
    """Raise unless both folders hold the same label files with the same rows
    (class equal, values within 1e-6: ours rounds the printed micro-units half
    to even, printf the exact decimal expansion). Returns the number of
    rows."""
    mine = {p.name: p for p in ours.rglob('*.txt')}
    theirs = {p.name: p for p in baseline.rglob('*.txt')}
    if mine.keys() != theirs.keys():
        raise SystemExit(
            f'label files differ: {sorted(mine.keys() ^ theirs.keys())[:5]}'
        )
    rows = 0
    for name, path in mine.items():
        a = np.loadtxt(path, ndmin=2)
        b = np.loadtxt(theirs[name], ndmin=2)
        if (
            a.shape != b.shape
            or not (a[:, 0] == b[:, 0]).all()
            or np.abs(a[:, 1:] - b[:, 1:]).max() > 1.01e-6
        ):
            raise SystemExit(
                f'{name}: the label rows differ between ours and the baseline'
            )
        rows += len(a)
    return rows


DECODE_ONLY = r"""
import sys
import msgspec
class Properties(msgspec.Struct):
    bounds_imcoords: str = ''
    type_id: int = 0
    image_id: str = ''
class Feature(msgspec.Struct):
    properties: Properties
class Collection(msgspec.Struct):
    features: list[Feature]
with open(sys.argv[1], 'rb') as f:
    print(len(msgspec.json.decode(f.read(), type=Collection).features))
"""


def make_release(
    folder: Path, n_features: int, n_images: int, seed: int = 0
) -> Path:
    """xView-scale GeoJSON plus header-only (sparse) GeoTIFFs; reused when
    present."""
    geojson = folder / 'xView_train.geojson'
    stamp = folder / f'.done-ogr-{n_features}-{n_images}-{seed}'
    if stamp.exists():
        return geojson
    import rasterio
    from rasterio.transform import from_origin

    from xview_data.structures import BENCHMARK12, XVIEW_TYPE_NAMES

    shutil.rmtree(folder, ignore_errors=True)
    (folder / 'train_images').mkdir(parents=True)
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2500, 4000, (n_images, 2))
    ids = rng.choice(np.arange(5, 2700), n_images, replace=False)
    for (w, h), image_id in zip(sizes, ids):
        with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
            with rasterio.open(
                folder / 'train_images' / f'{image_id}.tif',
                'w',
                driver='GTiff',
                width=int(w),
                height=int(h),
                count=3,
                dtype='uint8',
                crs='EPSG:4326',
                transform=from_origin(10, 10, 3e-6, 3e-6),
                tiled=True,
                compress='deflate',
                sparse_ok=True,
            ):
                pass
    seed_share = (
        0.8  # most objects are in the benchmark classes, as in the real file
    )
    all_types = np.array(list(XVIEW_TYPE_NAMES) + [75, 82, 87])
    types = np.where(
        rng.random(n_features) < seed_share,
        rng.choice(BENCHMARK12.type_ids, n_features),
        rng.choice(all_types, n_features),
    )
    image_of = rng.integers(0, n_images, n_features)
    xy = rng.uniform(0, 1, (n_features, 2)) * sizes[image_of]
    wh = rng.uniform(5, 60, (n_features, 2))
    features = []
    for k in range(n_features):
        x1, y1 = (float(v) for v in xy[k])
        x2, y2 = x1 + float(wh[k, 0]), y1 + float(wh[k, 1])
        lon1, lat1 = 10 + x1 * 3e-6, 10 - y1 * 3e-6
        lon2, lat2 = 10 + x2 * 3e-6, 10 - y2 * 3e-6
        features.append(
            dict(
                type='Feature',
                properties=dict(
                    bounds_imcoords=f'{int(x1)},{int(y1)},{int(x2)},{int(y2)}',
                    edited_by='wwoscarbecerril',
                    cat_id='1040010028371A00',
                    type_id=int(types[k]),
                    ingest_time='2017/07/24 12:49:09.118+00',
                    index_right=int(image_of[k]),
                    image_id=f'{ids[image_of[k]]}.tif',
                    point_geom=(
                        '0101000020E6100000616E4E6406A256C03BE6ADA0D6212D40'
                    ),
                    feature_id=k,
                    grid_file='Grid2.shp',
                ),
                geometry=dict(
                    type='Polygon',
                    coordinates=[
                        [
                            [lon1, lat1],
                            [lon1, lat2],
                            [lon2, lat2],
                            [lon2, lat1],
                            [lon1, lat1],
                        ]
                    ],
                ),
            )
        )
    # One feature per line with spaces after separators, as GDAL/OGR writes
    # GeoJSON (the public file's style); this is about 15 % larger than compact
    # JSON.
    with open(geojson, 'w') as f:
        f.write(
            '{\n"type": "FeatureCollection",\n"crs": { "type": "name",'
            ' "properties": { "name": "urn:ogc:def:crs:OGC:1.3:CRS84" }'
            ' },\n"features": [\n'
        )
        f.write(
            ',\n'.join(
                json.dumps(feature, separators=(', ', ': '))
                for feature in features
            )
        )
        f.write('\n]\n}\n')
    stamp.touch()
    return geojson


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f'{cmd[:3]} failed:\n{stderr[-2000:]}')
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('--features', type=int, default=601_937)
    parser.add_argument('--images', type=int, default=847)
    parser.add_argument('--data', default=str(ROOT / 'data' / 'bench_xview'))
    parser.add_argument('--skip-baseline', action='store_true')
    parser.add_argument(
        '--prepare-only', action='store_true', help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.prepare_only:
        make_release(Path(args.data), args.features, args.images)
        return
    t0 = time.perf_counter()
    # Prepared in a child: a child forked from a big parent would inherit its
    # peak RSS.
    subprocess.run(
        [
            sys.executable,
            __file__,
            '--prepare-only',
            '--data',
            args.data,
            '--features',
            str(args.features),
            '--images',
            str(args.images),
        ],
        check=True,
    )
    geojson = Path(args.data) / 'xView_train.geojson'
    print(
        f'data: {geojson} ({geojson.stat().st_size / 1e6:.0f} MB,'
        f' {args.features} features, {args.images} images; prepared in'
        f' {time.perf_counter() - t0:.1f} s)'
    )
    images = geojson.parent / 'train_images'
    with tempfile.TemporaryDirectory() as tmp:
        tool = [
            sys.executable,
            str(ROOT / 'tools' / 'convert_annotations.py'),
            str(geojson),
        ]
        common = [
            '--from',
            'xview',
            '--images',
            str(images),
            '--no-progress',
            '--no-plot',
        ]
        ours = run_measured(tool + [f'{tmp}/ours', '--to', 'yolo'] + common)
        both = run_measured(
            tool + [f'{tmp}/both', '--to', 'yolo', 'coco'] + common
        )
        print(
            f'ours (YOLO):          {ours[0]:6.2f} s  {ours[1]:7.0f} MB'
            ' peak RSS'
        )
        print(
            f'ours (YOLO + COCO):   {both[0]:6.2f} s  {both[1]:7.0f} MB peak'
            ' RSS   targets: <= 6 s, <= 900 MB ->'
            f' {"OK" if both[0] <= 6 and both[1] <= 900 else "MISSED"}'
        )
        limit = run_measured([sys.executable, '-c', DECODE_ONLY, str(geojson)])
        print(
            f'parsing limit (typed decode only): {limit[0]:6.2f} s '
            f' {limit[1]:7.0f} MB peak RSS   ours (YOLO) / limit: time'
            f' x{ours[0] / limit[0]:.2f}'
        )
        if not args.skip_baseline:
            base = run_measured(
                [
                    sys.executable,
                    '-c',
                    BASELINE,
                    str(geojson),
                    str(images),
                    f'{tmp}/baseline',
                ]
            )
            rows = compare_labels(
                Path(tmp) / 'ours' / 'labels', Path(tmp) / 'baseline'
            )
            print(
                f'baseline (YOLO):      {base[0]:6.2f} s  {base[1]:7.0f} MB'
                ' peak RSS'
            )
            print(
                f'ratio baseline/ours (YOLO): time x{base[0] / ours[0]:.1f},'
                f' memory x{base[1] / ours[1]:.1f}; identical labels ({rows}'
                ' rows)'
            )


if __name__ == '__main__':
    main()
