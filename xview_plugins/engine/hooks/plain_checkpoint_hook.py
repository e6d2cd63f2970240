from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...utils.checkpoint import (
    check_state_dict_fits,
    restore_message_hub,
    state_dict_of,
    to_plain,
)


@HOOKS.register_module()
class PlainCheckpointHook(Hook):
    """Saves checkpoints as plain types so they load with
    ``weights_only=True``; when one is loaded, refuses it if its tensors do not
    fit the model (another number of classes) and restores the message hub's
    history buffers.

    Lowest priority: it must see the checkpoint after every other hook (EMA
    swaps weights in ``before_save_checkpoint``).
    """

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        plain = to_plain(checkpoint)
        checkpoint.clear()
        checkpoint.update(plain)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = (
            runner.model.module
            if is_model_wrapper(runner.model)
            else runner.model
        )
        source = str(runner.cfg.get('load_from') or 'checkpoint')
        check_state_dict_fits(model, state_dict_of(checkpoint, source), source)
        if isinstance(checkpoint.get('message_hub'), dict):
            restore_message_hub(checkpoint['message_hub'])
