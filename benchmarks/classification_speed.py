"""Classification throughput on the CPU: training images/s of FFNN model 3 and
CNN model 6 at 224 x 224 (batch 16, forward + backward + Adam step), and
GeoTIFF chip loading chips/s (``LoadGeoTIFFFromFile`` on 224 x 224 chips of the
synthetic set).

    python benchmarks/classification_speed.py \
        [--chips data/synthetic_xview/recognition]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def train_throughput(backbone: dict, batch: int = 16, steps: int = 4) -> float:
    from mmengine.structures import BaseDataElement

    import xview_plugins  # noqa: F401
    from xview_plugins.models import ChipClassifier

    model = ChipClassifier(backbone).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs = torch.rand(batch, 3, 224, 224)
    samples = [
        BaseDataElement(gt_label=torch.tensor([k % 12])) for k in range(batch)
    ]
    times = []
    for step in range(steps + 1):
        start = time.perf_counter()
        loss = sum(model(inputs, samples, mode='loss').values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step:  # the first step warms up
            times.append(time.perf_counter() - start)
    return batch / statistics.median(times)


def loading_throughput(folder: Path, limit: int = 300) -> float:
    from xview_plugins.datasets.transforms import LoadGeoTIFFFromFile

    files = sorted(folder.rglob('*.tif'))[:limit]
    if not files:
        raise SystemExit(
            f'no chips under {folder}: run tools/make_synthetic_xview.py first'
        )
    load = LoadGeoTIFFFromFile()
    start = time.perf_counter()
    for path in files:
        load(dict(img_path=str(path)))
    return len(files) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        '--chips',
        default=str(ROOT / 'data' / 'synthetic_xview' / 'recognition'),
    )
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads')
    print('| what | throughput |')
    print('| --- | --- |')
    ffnn = train_throughput(dict(type='RecognitionFFNN', model=3))
    print(f'| FFNN model 3, training, 224 px | {ffnn:.1f} images/s |')
    cnn = train_throughput(dict(type='RecognitionCNN', model=6), steps=2)
    print(f'| CNN model 6, training, 224 px | {cnn:.1f} images/s |')
    print(
        '| GeoTIFF chip loading (224 px) |'
        f' {loading_throughput(Path(args.chips)):.0f} chips/s |'
    )


if __name__ == '__main__':
    main()
