from typing import Optional

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from xview_data.imagery import close_open_files


@HOOKS.register_module()
class CloseRastersHook(Hook):
    """Closes the rasters this process keeps open for window reads (at most
    ``xview_data.imagery.OPEN_FILES``, see ``read_image``) at the end of each
    train, val and test epoch, so that no handle outlives the epoch that
    used it. Dataloader workers hold their own: they close with the workers
    at the end of the epoch, or, with ``persistent_workers``, stay bounded
    and are reopened when their file changes on disk."""

    priority = 'LOWEST'

    def after_train_epoch(self, runner) -> None:
        close_open_files()

    def after_val_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        close_open_files()

    def after_test_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        close_open_files()
