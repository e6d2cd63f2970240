"""`convert_annotations.py --overwrite` killed at many points, inside the final
swap too: OUT is always the complete old output or the complete new one, and
the next run cleans up. Kills are placed by counting the file-system calls of
the run (rename, replace, unlink, rmdir, the atomic exchange) and sending
SIGKILL at the k-th one."""

import hashlib
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, write_geojson, write_tif
from xview_data.io import recover_interrupted_swap

# end to end (training, processes, installs): deselected by
# -m "not slow"
pytestmark = pytest.mark.slow

# Runs the converter with every file-system call counted; SIGKILL at call
# KILL_AT; prints the count and the call number at which the swap began (the
# rename to '.ready-').
RUNNER = r"""
import os, runpy, signal, sys
import xview_data.io as paths
kill_at = int(os.environ.get('KILL_AT', '0'))
calls = [0, None]
def counted(fn, name):
    def wrapper(*args, **kwargs):
        calls[0] += 1
        ready = name == 'rename' and '.ready-' in os.fspath(args[1])
        if ready and calls[1] is None:
            calls[1] = calls[0]
        if calls[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return fn(*args, **kwargs)
    return wrapper
for name in ('rename', 'replace', 'unlink', 'rmdir'):
    setattr(os, name, counted(getattr(os, name), name))
exchange = paths._exchange
paths._exchange = counted(exchange if os.environ.get('EXCHANGE', '1') == '1'
                          else (lambda a, b: False), 'exchange')
sys.argv = ['convert_annotations.py'] + sys.argv[1:]
try:
    tool = os.path.join(os.environ['ROOT'], 'tools', 'convert_annotations.py')
    runpy.run_path(tool, run_name='__main__')
finally:
    print('CALLS', calls[0], calls[1], file=sys.stderr)
"""


def snapshot(folder):
    """relative path -> content hash (links by target) of every file under
    folder."""
    if not folder.is_dir():
        return None
    out = {}
    for path in sorted(folder.rglob('*')):
        if path.is_symlink():
            out[str(path.relative_to(folder))] = 'link:' + os.readlink(path)
        elif path.is_file():
            out[str(path.relative_to(folder))] = hashlib.md5(
                path.read_bytes()
            ).hexdigest()
    return out


def run(args, kill_at=0, exchange=True):
    env = dict(
        os.environ,
        KILL_AT=str(kill_at),
        EXCHANGE='1' if exchange else '0',
        ROOT=str(ROOT),
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, '-c', RUNNER, *map(str, args), '--no-progress'],
        capture_output=True,
        text=True,
        env=env,
    )
    line = [x for x in result.stderr.splitlines() if x.startswith('CALLS')]
    counts = (
        tuple(int(v) if v != 'None' else None for v in line[-1].split()[1:])
        if line
        else None
    )
    return result, counts


@pytest.mark.parametrize('exchange', [True, False])
def test_a_killed_overwrite_leaves_the_old_or_the_new_output(
    tmp_path, exchange
):
    write_tif(tmp_path / 'img' / '1.tif', 256, 256)
    write_tif(tmp_path / 'img' / '2.tif', 256, 256)
    src = write_geojson(
        tmp_path / 'a.geojson',
        [
            ('10,10,40,30', 18, '1.tif'),
            ('100,100,140,130', 73, '1.tif'),
            ('10,10,40,30', 18, '2.tif'),
        ],
    )
    out = tmp_path / 'out'
    base = [src, out, '--from', 'xview', '--images', tmp_path / 'img']
    old_args = base + ['--to', 'coco']
    new_args = base + [
        '--to',
        'coco',
        'yolo',
        'xview',
        '--tile-size',
        128,
        '--overwrite',
    ]
    assert run(old_args)[0].returncode == 0
    old = snapshot(out)
    shutil.copytree(out, tmp_path / 'old_copy', symlinks=True)
    result, (total, swap_start) = run(new_args)
    assert result.returncode == 0, result.stderr
    new = snapshot(out)
    assert old != new and swap_start is not None
    # every call of the swap and its clean-up (and, once, three points of the
    # writing)
    points = list(range(swap_start - 1, total + 1))
    if exchange:
        points = [1, swap_start // 3, 2 * swap_start // 3] + points
    for k in points:
        shutil.rmtree(out)
        shutil.copytree(tmp_path / 'old_copy', out, symlinks=True)
        result, _ = run(new_args, kill_at=k, exchange=exchange)
        assert result.returncode == -9, (k, result.stderr[-500:])
        state = snapshot(out)
        if (
            exchange
        ):  # one atomic step: never anything but the old or the new output
            assert state in (old, new), k
        # the next run finishes or rolls back first (what every run does on
        # start)
        recover_interrupted_swap(out)
        assert snapshot(out) in (old, new), k
        # the killed run's lock file stays until the next run takes it over
        # (its flock died with the process) and removes it as it ends
        assert [
            p.name
            for p in tmp_path.iterdir()
            if p.name.startswith('.out.') and p.name != '.out.lock'
        ] == [], k
    # and through the command line: a killed swap, then a run that is refused
    # (no --overwrite) still leaves a complete output and no leftovers
    run(new_args, kill_at=swap_start + 1, exchange=exchange)
    refused, _ = run(old_args)
    assert refused.returncode == 2 and 'not empty' in refused.stderr
    assert snapshot(out) in (old, new)
    assert [
        p.name for p in tmp_path.iterdir() if p.name.startswith('.out.')
    ] == []
