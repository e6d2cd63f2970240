from .atomic_backend import ATOMIC_BACKEND, AtomicLocalBackend
from .checkpoint import (
    CheckpointError,
    UnsafeCheckpointError,
    check_state_dict_fits,
    load_detector_checkpoint,
    register_safe_checkpoint_loader,
    resave_trusted,
    restore_message_hub,
    revise_state_dict_keys,
    safe_load,
    state_dict_of,
    to_plain,
)

__all__ = [
    'ATOMIC_BACKEND',
    'AtomicLocalBackend',
    'check_state_dict_fits',
    'to_plain',
    'restore_message_hub',
    'safe_load',
    'state_dict_of',
    'resave_trusted',
    'load_detector_checkpoint',
    'revise_state_dict_keys',
    'CheckpointError',
    'UnsafeCheckpointError',
    'register_safe_checkpoint_loader',
]
