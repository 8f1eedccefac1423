"""Run the model's convolutions in channels-last memory format."""
import torch
from mmengine.hooks import Hook

from mmdlkd.datasets.checks import unwrap
from mmdlkd.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's 4-D weights to channels-last before training.

    A convolution with channels-last weights gives channels-last outputs
    from any input, and oneDNN's (CPU) and cuDNN's channels-last kernels
    are often faster than the contiguous ones for small feature maps. The
    parameters keep their identity (the optimizer built before this hook
    still holds them) and their values; only their strides change, so
    checkpoints load into a contiguous model unchanged.

    A distiller's frozen teacher follows its own ``teacher_channels_last``
    option and is left alone here.

    Example:
        >>> custom_hooks = [dict(type='mmdlkd.ChannelsLastHook')]
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        """Make the trained model channels-last."""
        model = unwrap(runner.model)
        student = getattr(model, 'student', None)
        trained = [student] if isinstance(student,
                                          torch.nn.Module) else [model]
        connectors = getattr(model, 'connectors', None)
        if isinstance(connectors, torch.nn.Module):
            trained.append(connectors)
        for module in trained:
            module.to(memory_format=torch.channels_last)
