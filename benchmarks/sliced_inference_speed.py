"""Whole-scene inference end to end (reading, tiles, network, merge), as
``tools/infer.py`` runs it (``SceneInferencer``, scenes streamed tile by
tile), three ways: torch one tile at a time, torch in batches and ONNX Runtime
in batches (the network exported by ``tools/deploy/export_onnx.py``). Each
run is a fresh process (its peak resident memory is the run's); rounds are
interleaved and each scene's time is the median over the rounds. Three
3000-px synthetic scenes (a seed the demo never saw). Then the peak memory of
``tools/infer.py`` itself (every output written) on a 20,000-px scene (a
mosaic of the three, tiled GeoTIFF) against a 1,024-px one.

    python benchmarks/sliced_inference_speed.py \
        [--checkpoint work_dirs/demo/epoch_26.pth] \
        [--config configs/yolov7-tiny_synthetic-xview.py] \
        [--tile-size 320] [--tile-overlap 64] [--batch-size 8] [--rounds 3] \
        [--big 20000] [--work-dir DIR]

The checkpoint is the demo's (``make demo``): trained weights give the
scenes real detections.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(args: argparse.Namespace) -> None:
    """One run: build the inferencer, warm it up on one batch of tiles, time
    each scene; print the figures as JSON."""
    import time
    import warnings

    import torch

    warnings.simplefilter('ignore')
    from xview_plugins.apis.scene_inferencer import SceneInferencer
    from xview_plugins.utils import register_safe_checkpoint_loader

    register_safe_checkpoint_loader()
    inferencer = SceneInferencer(
        args.config,
        args.checkpoint,
        onnx_file=args.onnx,
        tile_size=args.tile_size,
        tile_overlap=args.tile_overlap,
        batch_size=args.batch_size,
    )
    stride = args.tile_size - args.tile_overlap
    with torch.no_grad():
        inferencer.model.predict_scene(
            torch.zeros(
                3,
                args.tile_size,
                args.tile_size + (args.batch_size - 1) * stride,
            )
        )
    seconds, boxes = [], []
    for path in args.scenes:
        if not inferencer.streams(path):
            raise SystemExit(f'{path} would be read whole')
        start = time.perf_counter()
        sample = inferencer(path)
        seconds.append(time.perf_counter() - start)
        boxes.append(len(sample.pred_instances))
    print(json.dumps(dict(seconds=seconds, boxes=boxes, peak_mb=peak_mb())))


def child_infer(args: argparse.Namespace) -> None:
    """One run of ``tools/infer.py`` (its main, in this process) on one
    scene; print its time, detections and this process's peak memory."""
    import time
    import warnings

    warnings.simplefilter('ignore')
    from xview_plugins.cli.infer import main

    argv = [args.config, args.checkpoint, *args.scenes, '--out', args.out]
    argv += ['--tile-size', str(args.tile_size), '--tile-overlap']
    argv += [str(args.tile_overlap), '--batch-size', str(args.batch_size)]
    argv += ['--no-progress']
    if args.onnx:
        argv += ['--backend', 'onnxruntime', '--onnx', args.onnx]
    start = time.perf_counter()
    if main(argv):
        raise SystemExit('tools/infer.py failed')
    seconds = time.perf_counter() - start
    written = Path(args.out) / 'detections_coco.json'
    boxes = written.read_bytes().count(b'"image_id"')
    print(
        json.dumps(dict(seconds=[seconds], boxes=[boxes], peak_mb=peak_mb()))
    )


def peak_mb() -> float:
    """This process's peak resident memory. Not ``getrusage``: its
    ``ru_maxrss`` survives ``exec`` and so starts at the parent's peak."""
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError('no VmHWM in /proc/self/status')


def run_child(
    args, scenes, batch_size: int, onnx=None, infer_out=None
) -> dict:
    command = [
        sys.executable,
        __file__,
        '--child-infer' if infer_out else '--child',
        '--config',
        args.config,
        '--checkpoint',
        args.checkpoint,
        '--tile-size',
        str(args.tile_size),
        '--tile-overlap',
        str(args.tile_overlap),
        '--batch-size',
        str(batch_size),
        '--scenes',
        *map(str, scenes),
    ]
    if onnx:
        command += ['--onnx', str(onnx)]
    if infer_out:
        command += ['--out', str(infer_out)]
    out = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, check=False
    )
    if out.returncode:
        raise SystemExit(out.stdout + out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_mosaic(sources: list[Path], size: int, path: Path) -> Path:
    """A ``size`` x ``size`` GeoTIFF tiled with the source scenes in turn,
    written block row by block row (never whole)."""
    import numpy as np
    import rasterio
    from rasterio.windows import Window

    pictures = []
    for source in sources:
        with rasterio.open(source) as src:
            pictures.append(src.read())
            profile = src.profile
    side = pictures[0].shape[1]
    profile.update(
        width=size, height=size, tiled=True, blockxsize=512, blockysize=512
    )
    with rasterio.open(path, 'w', **profile) as dst:
        for row, y in enumerate(range(0, size, side)):
            height = min(side, size - y)
            band = np.zeros((3, height, size), np.uint8)
            for column, x in enumerate(range(0, size, side)):
                width = min(side, size - x)
                picture = pictures[(row + column) % len(pictures)]
                band[:, :, x : x + width] = picture[:, :height, :width]
            dst.write(band, window=Window(0, y, size, height))
    return path


def prepare(args, work: Path) -> tuple[list[Path], Path, Path, Path]:
    """The three scenes, the 1,024-px and the big scene, the ONNX model."""
    from xview_data.synthetic import SyntheticSpec, generate_synthetic_xview
    from xview_plugins.apis.onnx_export import export_onnx
    from xview_plugins.utils import register_safe_checkpoint_loader

    release = work / 'release'
    if not release.is_dir():
        generate_synthetic_xview(
            release, SyntheticSpec(num_images=3, size=3000, seed=17)
        )
    scenes = sorted((release / 'train_images').glob('*.tif'))
    small = write_mosaic(scenes, 1024, work / 'scene_1024.tif')
    big = None
    if args.big:
        big = work / f'scene_{args.big}.tif'
        if not big.is_file():
            write_mosaic(scenes, args.big, big)
    onnx = work / f'model_b{args.batch_size}.onnx'
    register_safe_checkpoint_loader()
    export_onnx(
        args.config, args.checkpoint, onnx, args.tile_size, args.batch_size
    )
    return scenes, small, big, onnx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--config',
        default=str(ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py'),
    )
    parser.add_argument(
        '--checkpoint',
        default=str(ROOT / 'work_dirs' / 'demo' / 'epoch_26.pth'),
    )
    parser.add_argument('--tile-size', type=int, default=320)
    parser.add_argument('--tile-overlap', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument(
        '--big', type=int, default=20000, help='memory scene side; 0: none'
    )
    parser.add_argument('--work-dir', help='keep the scenes here')
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--scenes', nargs='*', help=argparse.SUPPRESS)
    parser.add_argument(
        '--child-infer', action='store_true', help=argparse.SUPPRESS
    )
    parser.add_argument('--onnx', help=argparse.SUPPRESS)
    parser.add_argument('--out', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if args.child_infer:
        return child_infer(args)
    if not Path(args.checkpoint).is_file():
        raise SystemExit(
            f'{args.checkpoint}: no such checkpoint; run `make demo` first'
            ' (or pass --checkpoint)'
        )
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(args.work_dir or temporary)
        work.mkdir(parents=True, exist_ok=True)
        measure(args, work, *prepare(args, work))


def measure(args, work, scenes, small, big, onnx) -> None:
    batch = args.batch_size
    modes = {
        'torch b1': dict(batch_size=1),
        f'torch b{batch}': dict(batch_size=batch),
        f'ONNX Runtime b{batch}': dict(batch_size=batch, onnx=onnx),
    }
    runs = {mode: [] for mode in modes}
    for _ in range(args.rounds):
        for mode, options in modes.items():
            runs[mode].append(run_child(args, scenes, **options))
    print(
        f'{Path(args.config).name} + {args.checkpoint}; {len(scenes)}'
        f' synthetic scenes of 3000 px, {args.tile_size}-px tiles'
        f' overlapping by {args.tile_overlap}, streamed; median of'
        f' {args.rounds} interleaved runs, each in a fresh process'
    )
    print()
    print('| scene | ' + ' | '.join(modes) + ' |')
    print('| --- |' + ' --- |' * len(modes))
    medians = {}
    for index, scene in enumerate(scenes):
        cells = []
        for mode in modes:
            seconds = statistics.median(
                r['seconds'][index] for r in runs[mode]
            )
            medians.setdefault(mode, []).append(seconds)
            boxes = {r['boxes'][index] for r in runs[mode]}
            cells.append(
                f'{seconds:.2f} s, {"/".join(map(str, sorted(boxes)))} boxes'
            )
        print(f'| {scene.name} | ' + ' | '.join(cells) + ' |')
    peaks = [
        f'{statistics.median(r["peak_mb"] for r in runs[m]):.0f} MB'
        for m in modes
    ]
    print('| peak memory | ' + ' | '.join(peaks) + ' |')
    total = {mode: sum(medians[mode]) for mode in modes}
    names = list(modes)
    print()
    print(
        f'{names[1]} vs {names[0]}: x{total[names[0]] / total[names[1]]:.2f};'
        f' {names[2]} vs {names[0]}: x{total[names[0]] / total[names[2]]:.2f}'
        f' (target >= 2); {names[2]} vs {names[1]}:'
        f' x{total[names[1]] / total[names[2]]:.2f}'
    )
    if big is None:
        return
    print()
    print('tools/infer.py (all its outputs written) on one scene: peak memory')
    print()
    print(f'| mode | 1,024 px | {args.big:,} px | ratio |')
    print('| --- | --- | --- | --- |')
    for mode in names[1:]:
        sizes = [
            run_child(args, [scene], **modes[mode], infer_out=work / f'out{k}')
            for k, scene in enumerate((small, big))
        ]
        print(
            f'| {mode} | {sizes[0]["peak_mb"]:.0f} MB'
            f' | {sizes[1]["peak_mb"]:.0f} MB'
            f' ({sizes[1]["seconds"][0]:.0f} s,'
            f' {sizes[1]["boxes"][0]:,} boxes)'
            f' | x{sizes[1]["peak_mb"] / sizes[0]["peak_mb"]:.2f} |'
        )
        for k in range(2):
            shutil.rmtree(work / f'out{k}')
    print('(target: the big scene within x1.3 of the 1,024-px one)')


if __name__ == '__main__':
    main()
