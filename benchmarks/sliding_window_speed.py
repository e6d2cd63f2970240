"""Sliding-window detection on the CPU: per-scene time of the naive
crop-resize-classify loop against the fully convolutional path, for CNN model 6
(valid convolutions, 224-px input) on one 1024 x 1024 scene with 224-px windows
at stride 32, measured in the same run, with the largest score difference
between the two.

    python benchmarks/sliding_window_speed.py \
        [--scene 1024] [--window 224] [--stride 32]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--scene', type=int, default=1024)
    parser.add_argument('--window', type=int, default=224)
    parser.add_argument('--stride', type=int, default=32)
    parser.add_argument(
        '--batch-size', type=int, default=32, help='windows per call (loop)'
    )
    args = parser.parse_args()

    import xview_plugins  # noqa: F401
    from xview_plugins.models import SlidingWindowDetector

    torch.manual_seed(0)
    classifier = dict(
        type='ChipClassifier',
        num_classes=13,
        backbone=dict(
            type='RecognitionCNN',
            model=6,
            input_size=(args.window, args.window, 3),
            padding='valid',
        ),
    )
    detector = SlidingWindowDetector(
        classifier,
        windows=[(args.window, args.stride)],
        batch_size=args.batch_size,
    ).eval()
    scene = torch.rand(3, args.scene, args.scene)
    timings, scores = {}, {}
    with torch.no_grad():
        for name, convolutional in (
            ('convolutional', True),
            ('naive loop', False),
        ):
            start = time.perf_counter()
            boxes, scores[name] = detector.window_scores(
                scene, fully_convolutional=convolutional
            )
            timings[name] = time.perf_counter() - start
    windows = len(boxes)
    difference = (
        (scores['naive loop'] - scores['convolutional']).abs().max().item()
    )
    print(
        f'CNN model 6 (valid convs), {args.scene} x {args.scene} scene,'
        f' {args.window}-px windows at stride {args.stride}: {windows}'
        f' windows, torch threads {torch.get_num_threads()}'
    )
    print(f'{"path":<15}{"s / scene":>12}{"windows/s":>12}')
    for name, seconds in timings.items():
        print(f'{name:<15}{seconds:>12.2f}{windows / seconds:>12.1f}')
    speedup = timings['naive loop'] / timings['convolutional']
    print(
        f'speed-up of the convolutional path: x{speedup:.1f}'
        f'; largest probability difference {difference:.2e}'
    )


if __name__ == '__main__':
    main()
