from .checkpoint import UnsafeCheckpointError, resave_trusted, restore_message_hub, safe_load, to_plain

__all__ = ['to_plain', 'restore_message_hub', 'safe_load', 'resave_trusted', 'UnsafeCheckpointError']
