from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...utils.checkpoint import restore_message_hub, to_plain


@HOOKS.register_module()
class PlainCheckpointHook(Hook):
    """Saves checkpoints as plain types so they load with ``weights_only=True``, and
    restores the message hub's history buffers when one is loaded.

    Lowest priority: it must see the checkpoint after every other hook (EMA swaps weights
    in ``before_save_checkpoint``).
    """

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        plain = to_plain(checkpoint)
        checkpoint.clear()
        checkpoint.update(plain)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if isinstance(checkpoint.get('message_hub'), dict):
            restore_message_hub(checkpoint['message_hub'])
