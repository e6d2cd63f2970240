"""YOLOv7-tiny, YOLOv7 and YOLOv7-W6 on the CPU: forward latency, train-step
time and forward memory, each model at its config's input size (640, 640 and
1280 px).

* forward: batch 1, eval mode, BatchNorm and RepConv fused (the deploy form,
  without the auxiliary head), through the mmdet model (``mode='tensor'``) and
  through the same modules run as a plain torch model in the official style
  (one list of layers, outputs kept by index), interleaved in one process; the
  ratio mmdet / plain is the overhead of the mmdet wrapping (target <= 1.10).
* train step: batch 2, random boxes, loss + backward + SGD step through
  ``model.train_step``.
* memory: the peak resident memory an eval forward (unfused) adds to the
  process, batch 1 and 4, ours against the official ``forward_once`` (which
  keeps every output a later layer reads until the end of the forward and,
  for the P6 models, runs the auxiliary layers and convs in evaluation too,
  as ``IAuxDetect`` does), each in a fresh process, RSS sampled every
  millisecond.

    python benchmarks/yolov7_speed.py [--archs tiny l w6] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parents[1]


class PlainYOLOv7(nn.Module):
    """The same layer objects run as the official ``Model.forward_once``
    does."""

    def __init__(self, model) -> None:
        super().__init__()
        self.backbone_layers = model.backbone.layers
        self.neck_layers = model.neck.layers
        self.sources = model.backbone.sources + model.neck.sources
        self.head = model.bbox_head
        self.outputs = model.neck.out_indices
        # the official ``self.save``: outputs some later layer reads
        self.save = {s for srcs in self.sources for s in srcs}

    def forward(self, x):
        from xview_plugins.models.layers.yolov7_blocks import Concat, Shortcut

        y = {-1: x}
        for index, (layer, sources) in enumerate(
            zip([*self.backbone_layers, *self.neck_layers], self.sources)
        ):
            x = (
                layer([y[s] for s in sources])
                if isinstance(layer, (Concat, Shortcut))
                else layer(y[sources[0]])
            )
            y[index] = (
                x if index in self.save or index in self.outputs else None
            )
        feats = [y[i] for i in self.outputs]
        lead = self.head(feats)[0]
        # IAuxDetect runs its auxiliary convs in evaluation too, and returns
        # only the lead outputs
        levels = self.head.num_levels
        for conv, feat in zip(self.head.m2, feats[levels:]):
            conv(feat)
        return lead


NAMES = {
    'tiny': 'yolov7-tiny',
    'l': 'yolov7',
    'x': 'yolov7x',
    'w6': 'yolov7-w6',
    'e6': 'yolov7-e6',
    'd6': 'yolov7-d6',
    'e6e': 'yolov7-e6e',
}


def build(arch: str) -> tuple:
    """The config's model and its input size."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import xview_plugins  # noqa: F401

    DefaultScope.get_instance(f'bench-{arch}', scope_name='mmdet')
    import mmdet.models  # noqa: F401

    name = 'yolov7_xview.py' if arch == 'l' else f'{NAMES[arch]}_xview.py'
    cfg = Config.fromfile(str(ROOT / 'configs' / name))
    return MODELS.build(cfg.model), cfg.img_scale[0]


def timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def forward_figures(arch: str, repeats: int) -> tuple[float, float]:
    model, size = build(arch)
    model.eval().switch_to_deploy()
    plain = PlainYOLOv7(model).eval()
    x = torch.rand(1, 3, size, size)
    ours, baseline = [], []
    with torch.no_grad():
        model(x, mode='tensor')
        plain(x)  # warm-up
        for _ in range(
            repeats
        ):  # interleaved, so that machine noise hits both alike
            ours += timed(lambda: model(x, mode='tensor'), 1)
            baseline += timed(lambda: plain(x), 1)
        for a, b in zip(model(x, mode='tensor')[0], plain(x)):
            assert torch.equal(a, b)
    return statistics.median(ours), statistics.median(baseline)


def train_step_time(arch: str, repeats: int) -> tuple[float, int]:
    from mmdet.structures import DetDataSample
    from mmengine.optim import OptimWrapper
    from mmengine.structures import InstanceData

    model, size = build(arch)
    model.train()
    wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    )
    samples = []
    for _ in range(2):
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(size, size), batch_input_shape=(size, size)
            )
        )
        xy = torch.rand(20, 2) * (size - 80)
        sample.gt_instances = InstanceData(
            bboxes=torch.cat([xy, xy + 10 + torch.rand(20, 2) * 70], 1),
            labels=torch.randint(0, 12, (20,)),
        )
        samples.append(sample)
    data = dict(
        inputs=[
            torch.randint(0, 255, (3, size, size), dtype=torch.uint8)
            for _ in range(2)
        ],
        data_samples=samples,
    )
    model.train_step(data, wrapper)  # warm-up
    step = timed(lambda: model.train_step(data, wrapper), repeats)
    return statistics.median(step), size


def rss_mb() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def forward_peak_mb(arch: str, which: str, batch: int) -> float:
    """Peak RSS an eval forward adds, sampled every millisecond."""
    import gc
    import threading

    model, size = build(arch)
    model.eval()
    run = (
        (lambda x: model(x, mode='tensor'))
        if which == 'ours'
        else PlainYOLOv7(model).eval()
    )
    x = torch.rand(batch, 3, size, size)
    with torch.no_grad():
        run(torch.rand(1, 3, 128, 128))  # load kernels, allocate once
    gc.collect()
    start, peak, done = rss_mb(), [0.0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.001)

    sampler = threading.Thread(target=sample)
    sampler.start()
    with torch.no_grad():
        run(x)
    done.set()
    sampler.join()
    return max(peak[0], rss_mb()) - start


def memory_figure(arch: str, which: str, batch: int) -> float:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, __file__, '--peak-of', arch, which, str(batch)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        '--archs',
        nargs='+',
        choices=sorted(NAMES),
        default=['tiny', 'l', 'w6'],
    )
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--peak-of', nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.manual_seed(0)
    if args.peak_of:  # the child process of memory_figure
        arch, which, batch = args.peak_of
        print(forward_peak_mb(arch, which, int(batch)))
        return
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads')
    print(
        '| model | input | forward, mmdet (s) | forward, plain torch (s) |'
        ' ratio | train step, batch 2 (s) |'
    )
    print('| --- | --- | --- | --- | --- | --- |')
    for arch in args.archs:
        ours, plain = forward_figures(arch, args.repeats)
        step, size = train_step_time(arch, max(2, args.repeats // 2))
        print(
            f'| {NAMES[arch]} | {size} | {ours:.3f} | {plain:.3f} |'
            f' {ours / plain:.3f} | {step:.2f} |'
        )
    print()
    print(
        '| model | batch | forward peak, ours (MB) | official style (MB) |'
        ' ratio |'
    )
    print('| --- | --- | --- | --- | --- |')
    for arch in args.archs:
        for batch in (1, 4):
            ours = memory_figure(arch, 'ours', batch)
            plain = memory_figure(arch, 'plain', batch)
            print(
                f'| {NAMES[arch]} | {batch} | {ours:.0f} | {plain:.0f} |'
                f' {ours / plain:.2f} |'
            )


if __name__ == '__main__':
    main()
