"""Representations of a model: pooled ``extract_feat`` or hooked modules.

By default the representation is what ``model.extract_feat`` returns (for
an mmpretrain ``ImageClassifier``: the neck output, e.g. the globally pooled
vector fed to the head; the last element when it is a tuple), pooled over
any spatial dims. Alternatively any module can be read by its dotted path
(``'backbone.layer3'``, ``'decode_head.bottleneck'``) through a forward
hook while the model runs ``forward(inputs, mode='tensor')``; tuple outputs
give their last element. ``submodule`` selects part of a wrapper first, e.g.
``'student'`` or ``'teacher'`` of an :class:`mmdlkd` distiller.
"""
import copy
from typing import Dict, Iterable, Optional, Sequence, Tuple

import torch
from mmengine.registry import MODELS
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar
from torch import nn

DEFAULT_LAYER = 'extract_feat'


def build_model(cfg,
                checkpoint: Optional[str] = None,
                device: str = 'cpu') -> nn.Module:
    """Build ``cfg.model`` in eval mode and load a checkpoint.

    The caller sets the default scope first
    (``init_default_scope(cfg.get('default_scope', 'mmpretrain'))``). As
    mmengine's ``Runner`` does, a top-level ``data_preprocessor`` of the
    config is used when the model config has none.

    Args:
        cfg (Config): A config with a ``model`` field.
        checkpoint (str, optional): Checkpoint path or URL; None keeps the
            initialisation. Defaults to None.
        device (str): Device. Defaults to ``'cpu'``.

    Returns:
        nn.Module: The model.
    """
    model_cfg = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    return model.to(device).eval()


def _last(out):
    """The last tensor of a (possibly nested) tuple/list output."""
    while isinstance(out, (tuple, list)):
        out = out[-1]
    return out


def pool_feature(feat: torch.Tensor, pool: str = 'avg') -> torch.Tensor:
    """Turn a (N, C, ...) feature into a (N, D) matrix.

    Args:
        feat (torch.Tensor): The feature.
        pool (str): ``'avg'`` (mean over dims after C), ``'flatten'`` or
            ``'none'`` (returned unchanged). Defaults to ``'avg'``.

    Returns:
        torch.Tensor: The pooled feature.
    """
    if pool == 'none' or feat.dim() <= 2:
        return feat
    if pool == 'avg':
        return feat.flatten(2).mean(dim=2)
    if pool == 'flatten':
        return feat.flatten(1)
    raise ValueError(f"pool must be 'avg', 'flatten' or 'none', got {pool!r}")


class FeatureExtractor:
    """Compute named representations of a model from its (normalised) inputs.

    Args:
        model (nn.Module): The model (put in ``eval()`` by the caller).
        layers (Sequence[str], optional): Dotted module paths to read by
            forward hooks; None (or ``['extract_feat']``) reads
            ``extract_feat``. Defaults to None.
        submodule (str, optional): Dotted path of the part of ``model`` to
            use (e.g. ``'student'``). Defaults to None.
        pool (str): See :func:`pool_feature`. Defaults to ``'avg'``.
    """

    def __init__(self,
                 model: nn.Module,
                 layers: Optional[Sequence[str]] = None,
                 submodule: Optional[str] = None,
                 pool: str = 'avg') -> None:
        self.model = model.get_submodule(submodule) if submodule else model
        self.layers = list(layers) if layers else [DEFAULT_LAYER]
        self.pool = pool
        for layer in self.layers:
            if layer != DEFAULT_LAYER:
                self.model.get_submodule(layer)  # fail early on a bad path
        preprocessor = getattr(self.model, 'data_preprocessor', None)
        if preprocessor is None:
            preprocessor = getattr(model, 'data_preprocessor', None)
        self.data_preprocessor = preprocessor

    def preprocess(self, data_batch: dict) -> Tuple[torch.Tensor, list]:
        """Normalise and batch a dataloader batch (no augmentation).

        Args:
            data_batch (dict): A batch from an mmengine dataloader.

        Returns:
            tuple: ``(inputs, data_samples)``.

        Raises:
            ValueError: If the batch holds several views per image (a
                multi-view training pipeline such as
                ``mmdlkd.AugmentedViews``).
        """
        inputs = data_batch.get('inputs') if isinstance(data_batch,
                                                        dict) else None
        if isinstance(inputs, (list, tuple)) and inputs and isinstance(
                inputs[0], (list, tuple)):
            raise ValueError(
                'the dataloader gives several views per image (a multi-view '
                'training pipeline such as mmdlkd.AugmentedViews); '
                'representations are read from one view: build the loader '
                'with the test pipeline (build_eval_dataloader(..., '
                'pipeline=eval_pipeline(cfg)))')
        data = self.data_preprocessor(data_batch, False)
        return data['inputs'], data.get('data_samples')

    def features(self, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        """All configured representations of a batch of inputs.

        Args:
            inputs (torch.Tensor): Normalised inputs, (N, C, H, W).

        Returns:
            dict[str, torch.Tensor]: Pooled feature per layer name.

        Raises:
            ValueError: If a hooked module does not run in the model's
                ``mode='tensor'`` forward (an auxiliary head, say).
        """
        captured = {}
        handles = []
        for layer in self.layers:
            if layer == DEFAULT_LAYER:
                continue

            def hook(_module, _args, output, name=layer):
                captured[name] = _last(output)

            handles.append(
                self.model.get_submodule(layer).register_forward_hook(hook))
        try:
            if DEFAULT_LAYER in self.layers:
                captured[DEFAULT_LAYER] = _last(
                    self.model.extract_feat(inputs))
            if len(captured) < len(self.layers):
                self.model(inputs, mode='tensor')
        finally:
            for handle in handles:
                handle.remove()
        missing = [name for name in self.layers if name not in captured]
        if missing:
            raise ValueError(
                f'modules {missing} did not run in the forward pass that '
                "reads representations (mode='tensor'); heads used only "
                'in training, such as an auxiliary head, do not run there')
        return {
            name: pool_feature(captured[name], self.pool)
            for name in self.layers
        }

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor:
        """The first configured representation of ``inputs``."""
        return self.features(inputs)[self.layers[0]]


def _labels_of(data_samples: Optional[list], num: int) -> torch.Tensor:
    """Ground-truth class of each sample, -1 where there is none."""
    labels = torch.full((num, ), -1, dtype=torch.long)
    for i, sample in enumerate(data_samples or []):
        gt = getattr(sample, 'gt_label', None)
        if gt is not None and torch.as_tensor(gt).numel() > 0:
            labels[i] = int(torch.as_tensor(gt).flatten()[0])
    return labels


@torch.no_grad()
def extract_features(extractor: FeatureExtractor,
                     dataloader: Iterable,
                     progress: bool = True) -> dict:
    """Run a model over a dataloader and collect its representations.

    Args:
        extractor (FeatureExtractor): What to compute.
        dataloader (Iterable): An mmengine dataloader (no shuffling).
        progress (bool): Show a progress bar over batches. Defaults to True.

    Returns:
        dict: ``feats`` (dict of layer name -> (N, D) CPU tensor) and
        ``labels`` ((N,) tensor, -1 for unlabelled samples).
    """
    feats, labels = {}, []
    bar = ProgressBar(len(dataloader)) if progress else None
    for data_batch in dataloader:
        inputs, data_samples = extractor.preprocess(data_batch)
        for name, value in extractor.features(inputs).items():
            feats.setdefault(name, []).append(value.float().cpu())
        labels.append(_labels_of(data_samples, inputs.shape[0]))
        if bar is not None:
            bar.update()
    return dict(
        feats={
            name: torch.cat(value)
            for name, value in feats.items()
        },
        labels=torch.cat(labels))
