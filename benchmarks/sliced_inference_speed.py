"""Whole-scene inference end to end (reading, tiles, network, merge), as
``tools/infer.py`` runs it (``SceneInferencer``, scenes streamed tile by
tile), three ways: torch one tile at a time, torch in batches and ONNX Runtime
in batches (the network exported by ``tools/deploy/export_onnx.py``). Each
run is a fresh process (its peak resident memory is the run's); rounds are
interleaved and each scene's time is the median over the rounds. Three
3000-px synthetic scenes (a seed the demo never saw).

Where the time goes: each run times its stages (read: the tile windows, in
the reader thread beside the network; preprocess: tiles to padded tensors,
in that thread, and the data preprocessor; network; decode: the head's boxes
and per-tile NMS; merge: tiles to scene pixels and the streamed NMS across
tiles; write: submission, GeoJSON, COCO; draw: the PNG) by wrapping the
functions that do them. Then ``tools/infer.py`` itself on the three scenes
(a fresh ``python tools/infer.py`` process: start-up, model build, every
output written), with and without ``--no-draw``, against the in-process
figure. Then its peak memory on a 20,000-px scene (a mosaic of the three,
tiled GeoTIFF) against a 1,024-px one.

    python benchmarks/sliced_inference_speed.py \
        [--checkpoint work_dirs/demo/epoch_26.pth] \
        [--config configs/yolov7-tiny_synthetic-xview.py] \
        [--tile-size 320] [--tile-overlap 64] [--batch-size 8] [--rounds 3] \
        [--big 20000] [--score-thr T] [--work-dir DIR]

The checkpoint is the demo's (``make demo``): trained weights give the
scenes real detections. ``--score-thr`` sets the model's
``test_cfg.score_thr`` (default: the config's, 0.001 for the demo: the
setting of the official test and of a submission, which the xView metric
ranks; 0.3 is a typical threshold for a map of detections).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ('read', 'preprocess', 'network', 'decode', 'merge', 'write', 'draw')
# stages run in the reader thread, beside the network (their time overlaps),
# where SlicedInference reads ahead: beside ONNX Runtime, not torch on the CPU
BESIDE = ('read', 'preprocess (reader)')


class Stages:
    """Seconds spent in each stage, summed over calls (from any thread), by
    wrapping the functions that do the stage's work."""

    def __init__(self) -> None:
        self.seconds: Counter = Counter()
        self.lock = threading.Lock()

    def wrap(self, owner, name: str, stage: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                with self.lock:
                    self.seconds[stage] += time.perf_counter() - start

        setattr(owner, name, timed)

    def instrument(self, inferencer) -> None:
        """Wrap the stages of ``inferencer`` (a built SceneInferencer)."""
        from xview_plugins.models.detectors import sliced_inference

        sliced = inferencer.model
        detector = sliced.detector
        self.wrap(inferencer.loader, 'read', 'read')
        self.wrap(sliced, '_pad', 'preprocess (reader)')
        self.wrap(detector.data_preprocessor, 'forward', 'preprocess')
        if hasattr(detector, 'head_outputs'):  # ONNX Runtime
            self.wrap(detector, 'head_outputs', 'network')
        else:
            self.wrap(detector, 'extract_feat', 'network')
            self.wrap(detector.bbox_head, 'forward', 'network')
        self.wrap(detector.bbox_head, 'predict_by_feat', 'decode')
        self.wrap(sliced, '_in_scene', 'merge')
        self.wrap(sliced, '_cap', 'merge')
        merger = sliced_inference.IncrementalNMS
        for name in ('add', 'settle', 'finish'):
            if not hasattr(getattr(merger, name), '__wrapped_stage__'):
                self.wrap(merger, name, 'merge')
                getattr(merger, name).__wrapped_stage__ = True
        self.wrap(inferencer, 'postprocess', 'write')
        self.wrap(inferencer, 'visualize', 'draw')


def child(args: argparse.Namespace) -> None:
    """One run: build the inferencer, warm it up on one batch of tiles, time
    each scene; print the figures as JSON."""
    import warnings

    import torch

    warnings.simplefilter('ignore')
    from xview_plugins.apis.scene_inferencer import SceneInferencer
    from xview_plugins.utils import register_safe_checkpoint_loader

    register_safe_checkpoint_loader()
    inferencer = SceneInferencer(
        args.config,
        args.checkpoint,
        cfg_options=score_options(args),
        onnx_file=args.onnx,
        tile_size=args.tile_size,
        tile_overlap=args.tile_overlap,
        batch_size=args.batch_size,
    )
    stages = Stages()
    stages.instrument(inferencer)
    stride = args.tile_size - args.tile_overlap
    with torch.no_grad():
        inferencer.model.predict_scene(
            torch.zeros(
                3,
                args.tile_size,
                args.tile_size + (args.batch_size - 1) * stride,
            )
        )
    stages.seconds.clear()
    seconds, boxes = [], []
    for path in args.scenes:
        if not inferencer.streams(path):
            raise SystemExit(f'{path} would be read whole')
        start = time.perf_counter()
        sample = inferencer(path)
        seconds.append(time.perf_counter() - start)
        boxes.append(len(sample.pred_instances))
    print(
        json.dumps(
            dict(
                seconds=seconds,
                boxes=boxes,
                peak_mb=peak_mb(),
                stages=stages.seconds,
            )
        )
    )


def child_infer(args: argparse.Namespace) -> None:
    """One run of ``tools/infer.py`` (its main, in this process, as the
    script runs it) on the scenes; print its time, detections, stages and
    this process's peak memory."""
    import warnings

    warnings.simplefilter('ignore')
    from xview_plugins.apis import scene_inferencer
    from xview_plugins.cli.infer import main

    stages = Stages()
    built = scene_inferencer.SceneInferencer.__init__

    def build(inferencer, *args, **kwargs):
        start = time.perf_counter()
        built(inferencer, *args, **kwargs)
        stages.seconds['build'] += time.perf_counter() - start
        stages.instrument(inferencer)

    scene_inferencer.SceneInferencer.__init__ = build

    argv = [args.config, args.checkpoint, *args.scenes, '--out', args.out]
    argv += ['--tile-size', str(args.tile_size), '--tile-overlap']
    argv += [str(args.tile_overlap), '--batch-size', str(args.batch_size)]
    argv += ['--no-progress']
    if args.score_thr is not None:
        argv += ['--cfg-options', f'model.test_cfg.score_thr={args.score_thr}']
    if args.no_draw:
        argv += ['--no-draw']
    if args.onnx:
        argv += ['--backend', 'onnxruntime', '--onnx', args.onnx]
    start = time.perf_counter()
    if main(argv):
        raise SystemExit('tools/infer.py failed')
    seconds = time.perf_counter() - start
    written = Path(args.out) / 'detections_coco.json'
    boxes = written.read_bytes().count(b'"image_id"')
    print(
        json.dumps(
            dict(
                seconds=[seconds],
                boxes=[boxes],
                peak_mb=peak_mb(),
                stages=stages.seconds,
            )
        )
    )


def score_options(args: argparse.Namespace) -> dict:
    """The config override of ``--score-thr`` (none: the config's)."""
    if args.score_thr is None:
        return {}
    return {'model.test_cfg.score_thr': args.score_thr}


def peak_mb() -> float:
    """This process's peak resident memory. Not ``getrusage``: its
    ``ru_maxrss`` survives ``exec`` and so starts at the parent's peak."""
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError('no VmHWM in /proc/self/status')


def run_child(
    args, scenes, batch_size: int, onnx=None, infer_out=None, no_draw=False
) -> dict:
    """A fresh process running ``child`` (or ``child_infer`` into
    ``infer_out``); its figures, with ``process_seconds``: the wall time of
    the whole process, interpreter start and imports included."""
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
    if no_draw:
        command += ['--no-draw']
    if args.score_thr is not None:
        command += ['--score-thr', str(args.score_thr)]
    start = time.perf_counter()
    out = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, check=False
    )
    wall = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(out.stdout + out.stderr)
    return dict(
        json.loads(out.stdout.strip().splitlines()[-1]), process_seconds=wall
    )


def print_stages(runs: dict, scenes: int, extra: tuple[str, ...] = ()) -> None:
    """A table of the stages' seconds per scene, one row per mode; "other"
    is the run's time less the stages of the main thread (reading too, but
    beside ONNX Runtime)."""
    columns = [*extra, 'read', 'preprocess (reader)', *STAGES[1:]]
    print('| mode | ' + ' | '.join(columns) + ' | other |')
    print('| --- |' + ' --- |' * (len(columns) + 1))
    for mode, done in runs.items():
        cells, inline = [], 0.0
        for stage in columns:
            seconds = (
                statistics.median(r['stages'].get(stage, 0.0) for r in done)
                / scenes
            )
            if stage not in BESIDE or 'ONNX' not in mode:
                inline += seconds
            cells.append(f'{seconds:.2f}')
        total = statistics.median(sum(r['seconds']) for r in done) / scenes
        cells.append(f'{max(total - inline, 0.0):.2f}')
        print(f'| {mode} | ' + ' | '.join(cells) + ' |')


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
        '--score-thr', type=float, help="the model's (default: the config's)"
    )
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
    parser.add_argument(
        '--no-draw', action='store_true', help=argparse.SUPPRESS
    )
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
        f' overlapping by {args.tile_overlap}, streamed, score_thr'
        f' {"of the config" if args.score_thr is None else args.score_thr};'
        f' median of {args.rounds} interleaved runs, each in a fresh process'
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
    print()
    print(
        'Where the time goes, seconds per scene (median over the rounds);'
        " read and the reader's preprocess run beside the network with"
        ' ONNX Runtime (a reader thread), inline with torch on the CPU:'
    )
    print()
    print_stages({mode: runs[mode] for mode in modes}, len(scenes))
    print()
    print(
        f'tools/infer.py on the {len(scenes)} scenes in a fresh process'
        ' (start-up, model build, every output written), seconds per scene'
        " (the process's wall time / scenes; median of"
        f' {args.rounds} interleaved runs) against the in-process figure:'
    )
    print()
    tool_modes = {
        f'{mode}{", no draw" if no_draw else ""}': dict(
            modes[mode], no_draw=no_draw
        )
        for mode in names[1:]
        for no_draw in (True, False)
    }
    tool_runs = {mode: [] for mode in tool_modes}
    for number in range(args.rounds):
        for mode, options in tool_modes.items():
            out = work / f'tool{number}'
            tool_runs[mode].append(
                run_child(args, scenes, **options, infer_out=out)
            )
            shutil.rmtree(out)
    print('| tools/infer.py | s per scene | in-process | ratio | start-up s |')
    print('| --- | --- | --- | --- | --- |')
    for mode, done in tool_runs.items():
        inside = total[mode.split(',')[0]] / len(scenes)
        per_scene = statistics.median(
            r['process_seconds'] for r in done
        ) / len(scenes)
        # the process's wall time outside main() (interpreter, imports) and
        # the model build inside it
        start_up = statistics.median(
            r['process_seconds'] - r['seconds'][0] + r['stages']['build']
            for r in done
        )
        print(
            f'| {mode} | {per_scene:.2f} | {inside:.2f} |'
            f' x{per_scene / inside:.2f} | {start_up:.1f} |'
        )
    print()
    print_stages(tool_runs, len(scenes), extra=('build',))
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
