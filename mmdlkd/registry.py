"""mmdlkd's registries.

Each is a child of mmengine's root registry with scope ``mmdlkd``, so that a
config running under mmseg's or mmpretrain's default scope can name our
modules as ``mmdlkd.X`` (the root finds the child by its scope), and modules
without a prefix resolve in the host scope. ``locations`` make the registries
import the modules that register into them on first use.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

MODELS = Registry(
    'model',
    parent=MMENGINE_MODELS,
    scope='mmdlkd',
    locations=['mmdlkd.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper',
    parent=MMENGINE_MODEL_WRAPPERS,
    scope='mmdlkd',
    locations=['mmdlkd.models'])
DATASETS = Registry(
    'dataset',
    parent=MMENGINE_DATASETS,
    scope='mmdlkd',
    locations=['mmdlkd.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMENGINE_DATA_SAMPLERS,
    scope='mmdlkd',
    locations=['mmdlkd.datasets'])
TRANSFORMS = Registry(
    'transform',
    parent=MMENGINE_TRANSFORMS,
    scope='mmdlkd',
    locations=['mmdlkd.datasets.transforms'])
METRICS = Registry(
    'metric',
    parent=MMENGINE_METRICS,
    scope='mmdlkd',
    locations=['mmdlkd.evaluation'])
EVALUATOR = Registry(
    'evaluator',
    parent=MMENGINE_EVALUATOR,
    scope='mmdlkd',
    locations=['mmdlkd.evaluation'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope='mmdlkd', locations=['mmdlkd.engine'])
LOOPS = Registry(
    'loop', parent=MMENGINE_LOOPS, scope='mmdlkd', locations=['mmdlkd.engine'])
OPTIMIZERS = Registry(
    'optimizer',
    parent=MMENGINE_OPTIMIZERS,
    scope='mmdlkd',
    locations=['mmdlkd.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper',
    parent=MMENGINE_OPTIM_WRAPPERS,
    scope='mmdlkd',
    locations=['mmdlkd.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    scope='mmdlkd',
    locations=['mmdlkd.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMENGINE_PARAM_SCHEDULERS,
    scope='mmdlkd',
    locations=['mmdlkd.engine'])
VISUALIZERS = Registry(
    'visualizer',
    parent=MMENGINE_VISUALIZERS,
    scope='mmdlkd',
    locations=['mmdlkd.engine'])
