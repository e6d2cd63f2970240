"""Whole-scene inference speed: SlicedInference with batched tiles against the
same model fed one tile at a time, on the held-out synthetic scenes, measured
in the same run, with a check that both give the same detections.

    python benchmarks/sliced_inference_speed.py \
        [--checkpoint work_dirs/demo/epoch_26.pth] \
        [--config configs/yolov7-tiny_synthetic-xview.py] \
        [--tile-size 320] [--batch-size 8]

Without a checkpoint (e.g. before `make demo`) the network is randomly
initialized; its scores then sit at the threshold, where batched and single
convolutions' round-off can flip a box in or out, so the detection check is
meaningful with a trained checkpoint.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


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
    parser.add_argument(
        '--data', default=str(ROOT / 'data' / 'synthetic_xview')
    )
    parser.add_argument('--tile-size', type=int, default=320)
    parser.add_argument('--overlap', type=int, default=32)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--scenes', type=int, default=3)
    args = parser.parse_args()

    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    import xview_plugins  # noqa: F401
    from xview_data.formats import read_xview_geojson
    from xview_data.geometry import split_by_scene
    from xview_data.imagery import read_image
    from xview_plugins.apis.scene_inferencer import sliced_model_config

    data = Path(args.data)
    if not (data / 'xView_train.geojson').is_file():
        from xview_data.synthetic import generate_synthetic_xview

        generate_synthetic_xview(data)
    table = read_xview_geojson(data / 'xView_train.geojson')
    names = [
        r.file_name for r in split_by_scene(table, 0.25, 0)['val'].images
    ][: args.scenes]
    scenes = [
        torch.from_numpy(
            read_image(data / 'train_images' / n).transpose(2, 0, 1).copy()
        ).float()
        for n in names
    ]

    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.default_scope)
    model = MODELS.build(
        sliced_model_config(
            cfg.model,
            tile_size=args.tile_size,
            overlap=args.overlap,
            batch_size=args.batch_size,
        )
    )
    trained = Path(args.checkpoint).is_file()
    if trained:
        load_checkpoint(
            model, args.checkpoint, map_location='cpu', logger='silent'
        )
    model.eval()
    tiles = sum(len(model.tiles(*s.shape[1:])) for s in scenes)
    timings, found = {}, {}
    with torch.no_grad():
        model.predict_scene(
            scenes[0][:, : args.tile_size, : args.tile_size]
        )  # warm-up
        for name, batch in (('batched', args.batch_size), ('tile by tile', 1)):
            start = time.perf_counter()
            found[name] = [
                model.predict_scene(s, batch_size=batch) for s in scenes
            ]
            timings[name] = time.perf_counter() - start
    same = all(
        len(a) == len(b)
        and torch.allclose(a.bboxes, b.bboxes, atol=1e-3)
        and torch.allclose(a.scores, b.scores, atol=1e-5)
        and torch.equal(a.labels, b.labels)
        for a, b in zip(found['batched'], found['tile by tile'])
    )
    print(
        f'{cfg.model.type}'
        f' ({"trained: " + args.checkpoint if trained else "random weights"}),'
        f' {len(scenes)} scenes of {scenes[0].shape[2]} x {scenes[0].shape[1]}'
        f' px, {tiles} tiles of {args.tile_size} px, torch threads'
        f' {torch.get_num_threads()}'
    )
    print(f'{"mode":<16}{"seconds":>10}{"tiles/s":>10}{"detections":>12}')
    for name, seconds in timings.items():
        print(
            f'{name:<16}{seconds:>10.2f}{tiles / seconds:>10.2f}'
            f'{sum(len(f) for f in found[name]):>12}'
        )
    print(
        f'batch {args.batch_size} vs 1:'
        f' x{timings["tile by tile"] / timings["batched"]:.2f}; identical'
        f' detections: {same}'
    )


if __name__ == '__main__':
    main()
