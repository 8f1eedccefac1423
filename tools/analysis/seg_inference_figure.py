"""One image segmented with mmseg's inference API, as a figure: the input,
the prediction and the ground truth side by side.

Usage::

    python tools/analysis/seg_inference_figure.py CONFIG CHECKPOINT IMAGE \\
        --gt ANNOTATION --out figure.png

``CONFIG`` is the plain mmseg config of the model (for a distilled student
its own config, ``CHECKPOINT`` its exported weights). Classes get fixed
colours (matplotlib's ``tab20``), ignored pixels (255) are white. Printed:
the pixel accuracy of the prediction on the annotated pixels.
"""
import argparse
import sys
from typing import Optional

import numpy as np

IGNORE = 255


def colourise(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """``[H, W]`` class indices -> ``[H, W, 3]`` RGB in [0, 1]."""
    from matplotlib import colormaps
    table = colormaps['tab20'](np.arange(20))[:, :3]
    out = np.ones(labels.shape + (3, ))
    known = labels != IGNORE
    out[known] = table[labels[known] % len(table)]
    if (labels[known] >= num_classes).any():
        raise ValueError(f'labels up to {labels[known].max()} for a model '
                         f'of {num_classes} classes')
    return out


def pixel_accuracy(pred: np.ndarray, gt: np.ndarray) -> float:
    """Share of the annotated pixels (not 255) predicted right, in %."""
    known = gt != IGNORE
    if not known.any():
        raise ValueError('the annotation has no labelled pixel')
    return float((pred[known] == gt[known]).mean() * 100)


def segment(config: str, checkpoint: Optional[str], image: str,
            device: str) -> tuple:
    """The image (as read), the predicted ``[H, W]`` labels and the
    model's number of classes."""
    import mmcv
    from mmseg.apis import inference_model, init_model

    from mmdlkd.utils import setup_runtime
    setup_runtime()
    model = init_model(config, checkpoint, device=device)
    result = inference_model(model, image)
    pred = result.pred_sem_seg.data[0].cpu().numpy()
    return mmcv.imread(image), pred, model.decode_head.num_classes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the model\'s mmseg config')
    parser.add_argument('checkpoint', help='its weights')
    parser.add_argument('image', help='the image to segment')
    parser.add_argument('--gt', required=True, help='its annotation (PNG)')
    parser.add_argument('--out', required=True, help='the figure (PNG)')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import mmcv

    img, pred, num_classes = segment(args.config, args.checkpoint, args.image,
                                     args.device)
    gt = mmcv.imread(args.gt, flag='unchanged')
    if gt.shape != pred.shape:
        raise ValueError(f'{args.gt}: annotation of shape {gt.shape}, '
                         f'prediction of shape {pred.shape}')
    acc = pixel_accuracy(pred, gt)
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
    panels = (('input', mmcv.bgr2rgb(img)),
              (f'prediction ({acc:.1f}% of pixels)',
               colourise(pred, num_classes)), ('ground truth',
                                               colourise(gt, num_classes)))
    for ax, (title, picture) in zip(axes, panels):
        ax.imshow(picture, interpolation='nearest')
        ax.set_title(title)
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f'{args.out}: pixel accuracy {acc:.2f}%')
    return 0


if __name__ == '__main__':
    sys.exit(main())
