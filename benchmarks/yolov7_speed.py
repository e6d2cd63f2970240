"""YOLOv7 and YOLOv7-tiny on the CPU: forward latency and train-step time.

* forward: batch 1, 640 x 640, eval mode, BatchNorm and RepConv fused, through
  the mmdet model (``mode='tensor'``) and through the same modules run as a
  plain torch model in the official style (one list of layers, outputs kept by
  index), interleaved in one process; the ratio mmdet / plain is the overhead
  of the mmdet wrapping (target <= 1.10).
* train step: batch 2, 640 x 640, random boxes, loss + backward + SGD step
  through ``model.train_step``.
* memory: the peak resident memory an eval forward (unfused, 640 x 640) adds
  to the process, batch 1 and 4, ours against the official ``forward_once``
  (which keeps every output a later layer reads until the end of the
  forward), each in a fresh process, RSS sampled every millisecond.

    python benchmarks/yolov7_speed.py [--archs tiny l] [--repeats 5]
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
        from xview_plugins.models.layers.yolov7_blocks import Concat

        y = {-1: x}
        for index, (layer, sources) in enumerate(
            zip([*self.backbone_layers, *self.neck_layers], self.sources)
        ):
            x = (
                layer([y[s] for s in sources])
                if isinstance(layer, Concat)
                else layer(y[sources[0]])
            )
            y[index] = (
                x if index in self.save or index in self.outputs else None
            )
        return self.head([y[i] for i in self.outputs])[0]


def build(arch: str):
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import xview_plugins  # noqa: F401

    DefaultScope.get_instance(f'bench-{arch}', scope_name='mmdet')
    import mmdet.models  # noqa: F401

    name = 'yolov7-tiny_xview.py' if arch == 'tiny' else 'yolov7_xview.py'
    return MODELS.build(Config.fromfile(str(ROOT / 'configs' / name)).model)


def timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def forward_figures(arch: str, repeats: int) -> tuple[float, float]:
    model = build(arch).eval()
    model.switch_to_deploy()
    plain = PlainYOLOv7(model).eval()
    x = torch.rand(1, 3, 640, 640)
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


def train_step_time(arch: str, repeats: int) -> float:
    from mmdet.structures import DetDataSample
    from mmengine.optim import OptimWrapper
    from mmengine.structures import InstanceData

    model = build(arch).train()
    wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    )
    samples = []
    for _ in range(2):
        sample = DetDataSample(
            metainfo=dict(img_shape=(640, 640), batch_input_shape=(640, 640))
        )
        xy = torch.rand(20, 2) * 560
        sample.gt_instances = InstanceData(
            bboxes=torch.cat([xy, xy + 10 + torch.rand(20, 2) * 70], 1),
            labels=torch.randint(0, 12, (20,)),
        )
        samples.append(sample)
    data = dict(
        inputs=[
            torch.randint(0, 255, (3, 640, 640), dtype=torch.uint8)
            for _ in range(2)
        ],
        data_samples=samples,
    )
    model.train_step(data, wrapper)  # warm-up
    return statistics.median(
        timed(lambda: model.train_step(data, wrapper), repeats)
    )


def rss_mb() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def forward_peak_mb(arch: str, which: str, batch: int) -> float:
    """Peak RSS an eval forward adds, sampled every millisecond."""
    import gc
    import threading

    model = build(arch).eval()
    run = (
        (lambda x: model(x, mode='tensor'))
        if which == 'ours'
        else PlainYOLOv7(model).eval()
    )
    x = torch.rand(batch, 3, 640, 640)
    with torch.no_grad():
        run(torch.rand(1, 3, 64, 64))  # load kernels, allocate once
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
    parser.add_argument('--archs', nargs='+', default=['tiny', 'l'])
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
        '| model | forward, mmdet (s) | forward, plain torch (s) | ratio |'
        ' train step, batch 2 (s) |'
    )
    print('| --- | --- | --- | --- | --- |')
    for arch in args.archs:
        ours, plain = forward_figures(arch, args.repeats)
        step = train_step_time(arch, max(2, args.repeats // 2))
        name = 'yolov7-tiny' if arch == 'tiny' else 'yolov7'
        print(
            f'| {name} | {ours:.3f} | {plain:.3f} | {ours / plain:.3f} |'
            f' {step:.2f} |'
        )
    print()
    print('| model | batch | forward peak, ours (MB) | official style (MB) |')
    print('| --- | --- | --- | --- |')
    for arch in args.archs:
        name = 'yolov7-tiny' if arch == 'tiny' else 'yolov7'
        for batch in (1, 4):
            ours = memory_figure(arch, 'ours', batch)
            plain = memory_figure(arch, 'plain', batch)
            print(f'| {name} | {batch} | {ours:.0f} | {plain:.0f} |')


if __name__ == '__main__':
    main()
