"""The training data pipeline against the official YOLOv7 loader: samples per
CPU second, one process each.

Builds (once, cached in --data) a synthetic release of 12 scenes of 2048 px
and, for each config, the converter's YOLO tiles of the same release at the
config's tile size and overlap. Then, in fresh child processes run
alternately (ours, official, ours, ...; --rounds each):

* ours: the config's training dataset (``YOLOv7MixDataset`` over
  ``XViewDataset``: GeoTIFF windows read from the scenes, Mosaic,
  RandomAffine, MixUp of a second mosaic, HSV, flip, packing), indexed at
  random as the sampler does; as the config ships it (a mosaic's partners
  from the cache of the last ``max_cached_images`` samples) and with the
  official sampling (``max_cached_images=0``: every partner read afresh);
* official: the algorithm of the official ``LoadImagesAndLabels`` in training
  mode (``load_mosaic``: ``cv2.imread`` of four tiles on a 2s canvas, the
  labels of its ``.txt`` files; ``random_perspective`` with the hyp file's
  translate and scale; mixup of a second mosaic with Beta(8, 8);
  ``augment_hsv``; ``fliplr``; the CHW RGB tensor), written here the
  straightforward way with OpenCV and numpy on the tiles of the same release,
  with the config's own augmentation settings.

Each child runs as one dataloader worker does (one torch thread, OpenCV
without threads: mmengine's ``opencv_num_threads=0``, the official
``cv2.setNumThreads(0)``), times ``--samples`` samples after a warm-up
(``--samples`` more, which also fills the cache) by its CPU time
(``time.process_time``: load beside the run does not count) and reports its
peak resident memory (one worker's). Prints samples per CPU second, the
ratios, and with --profile the functions where our pipeline spends its time.

Ours keeps up to ``xview_data.imagery.OPEN_FILES`` scenes open for window
reads; with 12 scenes most reads would find theirs open, with xView's 847
almost none. ``--open-files`` (default 1) sets that bound in our children
so that nearly every read opens its scene, as on the real release.

    python benchmarks/data_pipeline_speed.py [--configs yolov7-tiny_xview.py]
        [--samples 100] [--rounds 2] [--profile] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ('yolov7_xview.py', 'yolov7-tiny_xview.py', 'yolov7-w6_xview.py')


def release(data: Path) -> Path:
    from xview_data.synthetic import SyntheticSpec, generate_synthetic_xview

    out = data / 'release'
    if not (out / 'xView_train.geojson').is_file():
        generate_synthetic_xview(
            out, SyntheticSpec(num_images=12, size=2048, seed=3)
        )
    return out


def official_tiles(data: Path, tile_size: int, tile_overlap: int) -> Path:
    """The release cut into YOLO tiles by the converter (what a user of the
    official code trains on)."""
    from xview_data.convert import ConvertOptions, convert

    out = data / f'tiles{tile_size}_{tile_overlap}'
    if not (out / 'images').is_dir():
        source = release(data)
        convert(
            source / 'xView_train.geojson',
            out,
            ConvertOptions(
                src_format='xview',
                dst_formats=['yolo'],
                images=source / 'train_images',
                tile_size=tile_size,
                tile_overlap=tile_overlap,
                progress=False,
                plot=False,
            ),
        )
    return out


def recipe(config: str) -> dict:
    """The config's tile size, overlap and augmentation settings."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(ROOT / 'configs' / config))
    train = cfg.train_dataloader.dataset
    return dict(
        tile_size=train.dataset.tile_size,
        tile_overlap=train.dataset.tile_overlap,
        translate=train.max_translate_ratio,
        scale=tuple(train.scaling_ratio_range),
        mixup=train.mixup_prob,
        hsv=(train.hue_gain, train.saturation_gain, train.value_gain),
        fliplr=train.flip_prob,
    )


class OfficialLoader:
    """The official ``LoadImagesAndLabels`` in training mode (mosaic 1.0,
    no rotation, shear or perspective, as hyp.scratch.p5/tiny/p6), on image
    files with YOLO labels."""

    def __init__(self, tiles: Path, img_size: int, hyp: dict) -> None:
        import numpy as np

        self.files = sorted((tiles / 'images' / 'train').glob('*.tif'))
        self.labels = []
        for path in self.files:
            label = tiles / 'labels' / 'train' / f'{path.stem}.txt'
            rows = (
                np.loadtxt(label, ndmin=2, dtype=np.float32)
                if label.is_file() and label.stat().st_size
                else np.zeros((0, 5), np.float32)
            )
            self.labels.append(rows.reshape(-1, 5))
        self.img_size = img_size
        self.hyp = hyp
        self.border = (-img_size // 2, -img_size // 2)

    def __len__(self) -> int:
        return len(self.files)

    def load_image(self, index: int):
        import cv2

        img = cv2.imread(str(self.files[index]))
        h0, w0 = img.shape[:2]
        r = self.img_size / max(h0, w0)
        if r != 1:
            img = cv2.resize(
                img, (int(w0 * r), int(h0 * r)), interpolation=cv2.INTER_LINEAR
            )
        return img, img.shape[:2]

    def load_mosaic(self, index: int):
        import numpy as np

        s = self.img_size
        yc, xc = (int(random.uniform(-x, 2 * s + x)) for x in self.border)
        indices = [index] + random.choices(range(len(self)), k=3)
        img4 = np.full((s * 2, s * 2, 3), 114, dtype=np.uint8)
        labels4 = []
        for i, k in enumerate(indices):
            img, (h, w) = self.load_image(k)
            if i == 0:
                x1a, y1a, x2a, y2a = max(xc - w, 0), max(yc - h, 0), xc, yc
                x1b, y1b = w - (x2a - x1a), h - (y2a - y1a)
                x2b, y2b = w, h
            elif i == 1:
                x1a, y1a = xc, max(yc - h, 0)
                x2a, y2a = min(xc + w, s * 2), yc
                x1b, y1b = 0, h - (y2a - y1a)
                x2b, y2b = min(w, x2a - x1a), h
            elif i == 2:
                x1a, y1a, x2a, y2a = max(xc - w, 0), yc, xc, min(s * 2, yc + h)
                x1b, y1b = w - (x2a - x1a), 0
                x2b, y2b = w, min(y2a - y1a, h)
            else:
                x1a, y1a = xc, yc
                x2a, y2a = min(xc + w, s * 2), min(s * 2, yc + h)
                x1b, y1b = 0, 0
                x2b, y2b = min(w, x2a - x1a), min(y2a - y1a, h)
            img4[y1a:y2a, x1a:x2a] = img[y1b:y2b, x1b:x2b]
            padw, padh = x1a - x1b, y1a - y1b
            labels = self.labels[k].copy()
            if len(labels):  # normalized xywh -> pixel xyxy on the canvas
                xywh = labels[:, 1:].copy()
                labels[:, 1] = w * (xywh[:, 0] - xywh[:, 2] / 2) + padw
                labels[:, 2] = h * (xywh[:, 1] - xywh[:, 3] / 2) + padh
                labels[:, 3] = w * (xywh[:, 0] + xywh[:, 2] / 2) + padw
                labels[:, 4] = h * (xywh[:, 1] + xywh[:, 3] / 2) + padh
            labels4.append(labels)
        labels4 = np.concatenate(labels4, 0)
        np.clip(labels4[:, 1:], 0, 2 * s, out=labels4[:, 1:])
        return self.random_perspective(img4, labels4)

    def random_perspective(self, img, targets):
        import cv2
        import numpy as np

        height = img.shape[0] + self.border[0] * 2
        width = img.shape[1] + self.border[1] * 2
        C = np.eye(3)
        C[0, 2] = -img.shape[1] / 2
        C[1, 2] = -img.shape[0] / 2
        R = np.eye(3)
        # uniform(1 - scale, 1 + scale): the hyp's range
        scale = random.uniform(*self.hyp['scale'])
        R[:2] = cv2.getRotationMatrix2D(angle=0, center=(0, 0), scale=scale)
        T = np.eye(3)
        translate = self.hyp['translate']
        T[0, 2] = random.uniform(0.5 - translate, 0.5 + translate) * width
        T[1, 2] = random.uniform(0.5 - translate, 0.5 + translate) * height
        M = T @ R @ C
        img = cv2.warpAffine(
            img, M[:2], dsize=(width, height), borderValue=(114, 114, 114)
        )
        n = len(targets)
        if n:
            xy = np.ones((n * 4, 3))
            xy[:, :2] = targets[:, [1, 2, 3, 4, 1, 4, 3, 2]].reshape(n * 4, 2)
            xy = (xy @ M.T)[:, :2].reshape(n, 8)
            x, y = xy[:, [0, 2, 4, 6]], xy[:, [1, 3, 5, 7]]
            new = np.concatenate((x.min(1), y.min(1), x.max(1), y.max(1)))
            new = new.reshape(4, n).T
            new[:, [0, 2]] = new[:, [0, 2]].clip(0, width)
            new[:, [1, 3]] = new[:, [1, 3]].clip(0, height)
            keep = self.box_candidates(targets[:, 1:5].T * scale, new.T)
            targets = targets[keep]
            targets[:, 1:5] = new[keep]
        return img, targets

    @staticmethod
    def box_candidates(box1, box2, wh_thr=2, ar_thr=20, area_thr=0.1):
        import numpy as np

        w1, h1 = box1[2] - box1[0], box1[3] - box1[1]
        w2, h2 = box2[2] - box2[0], box2[3] - box2[1]
        ar = np.maximum(w2 / (h2 + 1e-16), h2 / (w2 + 1e-16))
        return (
            (w2 > wh_thr)
            & (h2 > wh_thr)
            & (w2 * h2 / (w1 * h1 + 1e-16) > area_thr)
            & (ar < ar_thr)
        )

    def __getitem__(self, index: int):
        import cv2
        import numpy as np
        import torch

        img, labels = self.load_mosaic(index)
        if random.random() < self.hyp['mixup']:
            img2, labels2 = self.load_mosaic(random.randint(0, len(self) - 1))
            r = np.random.beta(8.0, 8.0)
            img = (img * r + img2 * (1 - r)).astype(np.uint8)
            labels = np.concatenate((labels, labels2), 0)
        gains = np.random.uniform(-1, 1, 3) * self.hyp['hsv'] + 1
        hue, sat, val = cv2.split(cv2.cvtColor(img, cv2.COLOR_BGR2HSV))
        x = np.arange(0, 256, dtype=np.int16)
        lut_hue = ((x * gains[0]) % 180).astype(np.uint8)
        lut_sat = np.clip(x * gains[1], 0, 255).astype(np.uint8)
        lut_val = np.clip(x * gains[2], 0, 255).astype(np.uint8)
        hsv = cv2.merge(
            (
                cv2.LUT(hue, lut_hue),
                cv2.LUT(sat, lut_sat),
                cv2.LUT(val, lut_val),
            )
        )
        cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR, dst=img)
        if random.random() < self.hyp['fliplr']:
            img = np.fliplr(img)
            labels[:, [1, 3]] = img.shape[1] - labels[:, [3, 1]]
        img = np.ascontiguousarray(img[:, :, ::-1].transpose(2, 0, 1))
        return torch.from_numpy(img), torch.from_numpy(labels)


def ours(config: str, data: Path, cached: bool = True):
    """The config's training dataset on the release (``cached=False``: with
    the official sampling)."""
    from mmdet.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import xview_plugins  # noqa: F401

    init_default_scope('mmdet')
    cfg = Config.fromfile(str(ROOT / 'configs' / config))
    train = cfg.train_dataloader.dataset
    train.dataset.data_root = f'{release(data)}/'
    if not cached:
        train.max_cached_images = 0
    return DATASETS.build(train)


def child(args) -> None:
    """One timed run in this (fresh) process; prints its figures as JSON."""
    import resource
    import time

    import cv2
    import numpy as np
    import torch

    from xview_data import imagery

    imagery.OPEN_FILES = args.open_files
    torch.set_num_threads(1)
    cv2.setNumThreads(0)
    random.seed(0)
    np.random.seed(0)
    if args.side in ('ours', 'uncached'):
        dataset = ours(args.configs[0], args.data, args.side == 'ours')
    else:
        hyp = recipe(args.configs[0])
        tiles = official_tiles(
            args.data, hyp['tile_size'], hyp['tile_overlap']
        )
        dataset = OfficialLoader(tiles, hyp['tile_size'], hyp)
    warm = args.samples
    indices = [
        random.randrange(len(dataset)) for _ in range(args.samples + warm)
    ]
    for index in indices[:warm]:  # imports, open files, the sample cache
        dataset[index]
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    start, wall = time.process_time(), time.perf_counter()
    for index in indices[warm:]:
        dataset[index]
    cpu, wall = time.process_time() - start, time.perf_counter() - wall
    if profile is not None:
        import io
        import pstats

        profile.disable()
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats('tottime').print_stats(
            12
        )
        print(text.getvalue(), file=sys.stderr)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(cpu=cpu, wall=wall, peak_mb=peak, n=args.samples)))


def run_child(side: str, config: str, args) -> dict:
    argv = [sys.executable, __file__, '--child', side, '--configs', config]
    argv += ['--samples', str(args.samples), '--data', str(args.data)]
    argv += ['--open-files', str(args.open_files)]
    if args.profile and side == 'ours':
        argv.append('--profile')
    # OpenCV would log every GeoTIFF tag it does not know
    env = dict(os.environ, OPENCV_LOG_LEVEL='ERROR')
    done = subprocess.run(
        argv, capture_output=True, text=True, check=False, env=env
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    if args.profile and side == 'ours':
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--configs', nargs='+', default=list(CONFIGS))
    parser.add_argument('--samples', type=int, default=100)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--profile', action='store_true')
    parser.add_argument('--open-files', type=int, default=1)
    parser.add_argument(
        '--data', type=Path, default=Path('/tmp/xview_pipeline_bench')
    )
    parser.add_argument('--child', choices=('ours', 'uncached', 'official'))
    args = parser.parse_args()
    if args.child:
        args.side = args.child
        child(args)
        return
    release(args.data)
    print(
        f'{args.samples} samples per run, {args.rounds} interleaved runs per'
        ' side, each a fresh process; samples per CPU second (higher is'
        ' better), peak memory of the process; ours keeps'
        f' {args.open_files} scene(s) open'
    )
    print('| config | ours (samples/CPU s) | official (samples/CPU s) | ratio'
          ' | ours, official sampling | its ratio | peak MB ours /'
          ' official sampling / official |')  # fmt: skip
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for config in args.configs:
        hyp = recipe(config)
        official_tiles(args.data, hyp['tile_size'], hyp['tile_overlap'])
        runs = {'ours': [], 'uncached': [], 'official': []}
        for _ in range(args.rounds):
            for side in runs:
                runs[side].append(run_child(side, config, args))
        rate = {
            side: sum(r['n'] for r in done) / sum(r['cpu'] for r in done)
            for side, done in runs.items()
        }
        peak = {
            side: max(r['peak_mb'] for r in done)
            for side, done in runs.items()
        }
        print(
            f'| {config} | {rate["ours"]:.1f} | {rate["official"]:.1f} |'
            f' x{rate["ours"] / rate["official"]:.2f} |'
            f' {rate["uncached"]:.1f} |'
            f' x{rate["uncached"] / rate["official"]:.2f} |'
            f' {math.ceil(peak["ours"])} / {math.ceil(peak["uncached"])} /'
            f' {math.ceil(peak["official"])} |'
        )


if __name__ == '__main__':
    main()
