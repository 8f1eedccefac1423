from .compat import register_local_checkpoint_loader

__all__ = ['register_local_checkpoint_loader']
