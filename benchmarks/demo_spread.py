"""The spread of the demo's scores over seeds and CPU kernel sets.

The demo (``configs/yolov7-tiny_synthetic-xview.py``, 26 epochs from scratch)
is seeded, so a rerun on the same machine repeats its losses and scores; on
another CPU, torch runs other kernels (AVX-512, AVX2 or plain code paths),
whose round-off 26 epochs of training amplify into a few points of mAP. This
script measures that spread: it trains the demo config with each seed under
each of torch's CPU kernel sets (``ATEN_CPU_CAPABILITY``: the nearest thing
to another CPU on one machine), tests each checkpoint with ``tools/test.py``
on the held-out scenes' tiles, and prints bbox mAP, mAP@0.5 and the official
xView mAP per run, then their mean, min and max, with the machine and the
date. Each finished run is kept in ``WORK/runs.json``, so a second call
continues where a killed one stopped.

    python benchmarks/demo_spread.py [--seeds 0 1 2]
        [--capabilities default avx2] [--work-dir work_dirs/demo_spread]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = 'configs/yolov7-tiny_synthetic-xview.py'
METRICS = {
    'bbox_mAP': r'coco/bbox_mAP: ([0-9.]+)',
    'bbox_mAP_50': r'coco/bbox_mAP_50: ([0-9.]+)',
    'xview_mAP': r'xview/map: ([0-9.]+)',
}


def run(command: list, env: dict, log: Path) -> str:
    """Run a tool from the repository root, its output kept in ``log``."""
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        sys.exit(f'error: {" ".join(command)} failed, see {log}')
    return result.stdout + result.stderr


def train_and_test(
    seed: int, capability: str, data_root: str, work: Path
) -> dict:
    """Train the demo config with ``seed`` under the ``capability`` kernel
    set, then test its last checkpoint: the scores and the wall time."""
    env = dict(os.environ)
    if capability == 'unset':
        env.pop('ATEN_CPU_CAPABILITY', None)
    else:
        env['ATEN_CPU_CAPABILITY'] = capability
    work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    common = ['--work-dir', str(work), '--data-root', data_root]
    run(
        [
            'tools/train.py',
            CONFIG,
            *common,
            '--cfg-options',
            f'randomness.seed={seed}',
        ],
        env,
        work / 'train.out',
    )
    checkpoint = (work / 'last_checkpoint').read_text().strip()
    output = run(
        ['tools/test.py', CONFIG, checkpoint, *common], env, work / 'test.out'
    )
    scores = {}
    for name, pattern in METRICS.items():
        found = re.findall(pattern, output)
        if not found:
            sys.exit(f'error: {work / "test.out"}: no {name} in the output')
        scores[name] = float(found[-1])
    return dict(
        seed=seed,
        capability=capability,
        minutes=round((time.perf_counter() - start) / 60, 1),
        **scores,
    )


def machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path('/proc/cpuinfo')
    if cpuinfo.exists():
        names = re.findall(r'model name\s*:\s*(.*)', cpuinfo.read_text())
        if names:
            model = names[0].strip()
    return f'{model}, {os.cpu_count()} cores'


def summary(runs: list) -> str:
    lines = [
        f'{"seed":>4} {"kernels":>8} {"mAP":>6} {"mAP@0.5":>7} '
        f'{"xView":>6} {"min":>5}'
    ]
    for r in runs:
        lines.append(
            f'{r["seed"]:>4} {r["capability"]:>8} {r["bbox_mAP"]:>6.3f} '
            f'{r["bbox_mAP_50"]:>7.3f} {r["xview_mAP"]:>6.4f} '
            f'{r["minutes"]:>5}'
        )
    lines.append(f'{len(runs)} runs: mean [min, max]')
    for name in METRICS:
        values = [r[name] for r in runs]
        lines.append(
            f'  {name:<12} {statistics.mean(values):.3f} '
            f'[{min(values):.3f}, {max(values):.3f}]'
        )
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument(
        '--capabilities',
        nargs='+',
        default=['default', 'avx2'],
        help="ATEN_CPU_CAPABILITY values ('unset': the machine's best)",
    )
    parser.add_argument('--data-root', default='data/synthetic_xview')
    parser.add_argument('--work-dir', default='work_dirs/demo_spread')
    args = parser.parse_args()

    work = ROOT / args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    if not (ROOT / args.data_root / 'xView_train.geojson').exists():
        run(
            ['tools/make_synthetic_xview.py', args.data_root],
            dict(os.environ),
            work / 'synthetic.out',
        )
    record = work / 'runs.json'
    runs = json.loads(record.read_text()) if record.exists() else []
    done = {(r['seed'], r['capability']) for r in runs}
    for capability in args.capabilities:
        for seed in args.seeds:
            if (seed, capability) in done:
                continue
            print(
                f'training seed {seed}, kernels {capability} ...', flush=True
            )
            runs.append(
                train_and_test(
                    seed,
                    capability,
                    args.data_root,
                    work / f'{capability}_seed{seed}',
                )
            )
            print(summary(runs[-1:]).splitlines()[1], flush=True)
            partial = record.with_suffix('.json.tmp')
            partial.write_text(json.dumps(runs, indent=1))
            partial.replace(record)
    import torch

    print(
        f'\n{machine()}; torch {torch.__version__}; '
        f'{datetime.date.today().isoformat()}'
    )
    print(summary(runs))


if __name__ == '__main__':
    main()
