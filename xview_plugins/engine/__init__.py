from .distributed import DeviceAwareDDP, init_cpu_process_group
from .hooks import PlainCheckpointHook

__all__ = ['DeviceAwareDDP', 'init_cpu_process_group', 'PlainCheckpointHook']
