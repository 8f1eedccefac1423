from .atomic_io import (atomic_write_bytes, register_atomic_local_writes,
                        unregister_atomic_local_writes)
from .compat import (register_local_checkpoint_loader,
                     unregister_local_checkpoint_loader)
from .config_options import check_cfg_options
from .cpu_dist import setup_cpu_distributed
from .memory import peak_memory_growth
from .package_configs import (package_config_path, register_config_prefix,
                              unregister_config_prefix)
from .runtime import reset_runtime, setup_runtime
from .safe_checkpoint import (UnsafeCheckpointError, load_checkpoint_file,
                              load_local_checkpoint)

__all__ = [
    'setup_runtime', 'reset_runtime', 'register_local_checkpoint_loader',
    'unregister_local_checkpoint_loader', 'register_atomic_local_writes',
    'unregister_atomic_local_writes', 'atomic_write_bytes',
    'register_config_prefix', 'unregister_config_prefix',
    'package_config_path', 'load_local_checkpoint', 'load_checkpoint_file',
    'UnsafeCheckpointError', 'peak_memory_growth', 'setup_cpu_distributed',
    'check_cfg_options'
]
