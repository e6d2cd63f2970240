"""Test-only hooks (imported through a config's custom_imports): write what a
running training holds, so that tests can compare ranks and resumed runs with
checkpoints.
"""

import torch
from mmengine.dist import get_rank
from mmengine.hooks import EMAHook, Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


def _model(runner):
    return (
        runner.model.module if is_model_wrapper(runner.model) else runner.model
    )


@HOOKS.register_module()
class DumpRankWeightsHook(Hook):
    """Every rank saves its parameters as ``rank<r>_start.pth`` when training
    starts and ``rank<r>.pth`` after it, in the work dir. (BatchNorm running
    statistics are not compared: DDP broadcasts them from rank 0 before each
    forward pass, so they differ by the last step's local update.)"""

    def before_train(self, runner) -> None:
        parameters = {
            k: v.detach().clone() for k, v in _model(runner).named_parameters()
        }
        torch.save(parameters, f'{runner.work_dir}/rank{get_rank()}_start.pth')

    def after_train(self, runner) -> None:
        parameters = {
            k: v.detach() for k, v in _model(runner).named_parameters()
        }
        torch.save(parameters, f'{runner.work_dir}/rank{get_rank()}.pth')


@HOOKS.register_module()
class DumpStartStateHook(Hook):
    """When training starts (after a resume has loaded), save the iteration,
    epoch, learning rates, optimizer state and EMA weights as
    ``start_state.pth``."""

    priority = 'LOWEST'

    def before_train(self, runner) -> None:
        ema = [h for h in runner.hooks if isinstance(h, EMAHook)]
        torch.save(
            dict(
                iter=runner.iter,
                epoch=runner.epoch,
                lr=[
                    g['lr']
                    for g in runner.optim_wrapper.optimizer.param_groups
                ],
                optimizer=runner.optim_wrapper.optimizer.state_dict(),
                ema=ema[0].ema_model.state_dict() if ema else None,
            ),
            f'{runner.work_dir}/start_state.pth',
        )
