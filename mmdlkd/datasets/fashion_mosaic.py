"""Fashion-MNIST mosaics for semantic segmentation."""
from mmseg.datasets import BaseSegDataset

from mmdlkd.registry import DATASETS


@DATASETS.register_module()
class FashionMosaicDataset(BaseSegDataset):
    """Canvases of Fashion-MNIST items, labelled per pixel.

    Written by ``tools/data/make_fashion_mosaics.py`` (see its docstring for
    how labels are drawn): 1-channel PNG images in ``img_dir/<split>`` and
    label maps in ``ann_dir/<split>`` with the same names, label 0 for the
    background, 1..10 for the ten Fashion-MNIST classes, 255 for the
    ignored rim of an item. mmseg's ``LoadImageFromFile`` reads the grey
    images as 3 channels (its default ``color_type='color'``).

    Args:
        img_suffix (str): Suffix of the images. Defaults to '.png'.
        seg_map_suffix (str): Suffix of the label maps. Defaults to '.png'.
        reduce_zero_label (bool): Keep False: 0 is the background class.
        **kwargs: Passed to mmseg's ``BaseSegDataset`` (``data_root``,
            ``data_prefix``, ``pipeline``, ...).
    """

    METAINFO = dict(
        classes=('background', 'T-shirt/top', 'Trouser', 'Pullover', 'Dress',
                 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'),
        palette=[[0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25],
                 [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240],
                 [240, 50, 230], [210, 245, 60], [250, 190, 212]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
