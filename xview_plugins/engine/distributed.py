"""Distributed training on machines without CUDA (gloo), through mmengine's
launcher.

mmengine 0.10.7's pytorch launcher calls ``torch.cuda.set_device`` and its DDP
wrapper is given ``device_ids``; both fail on a CPU-only torch.
:func:`init_cpu_process_group` starts the process group with gloo before the
Runner (which then skips its own init), and :class:`DeviceAwareDDP` drops
``device_ids`` when the model lives on the CPU.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as torch_dist
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class DeviceAwareDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that works for CPU modules too."""

    def __init__(self, module, device_ids=None, **kwargs):
        if not torch.cuda.is_available():
            device_ids = None
        super().__init__(module=module, device_ids=device_ids, **kwargs)


def init_cpu_process_group(launcher: str) -> bool:
    """Initialize gloo from the launcher's environment when CUDA is absent.

    Returns True when it did so. ``launcher='pytorch'`` reads torchrun's RANK,
    WORLD_SIZE, MASTER_ADDR and MASTER_PORT; ``'slurm'`` maps SLURM's variables
    onto them.
    """
    if (
        launcher == 'none'
        or torch.cuda.is_available()
        or torch_dist.is_initialized()
    ):
        return False
    if launcher == 'slurm':
        os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
        os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
        os.environ.setdefault(
            'LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0')
        )
        os.environ.setdefault('MASTER_PORT', '29500')
        os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    torch_dist.init_process_group(backend='gloo')
    return True
