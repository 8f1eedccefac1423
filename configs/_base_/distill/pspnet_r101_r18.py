# Teacher -> student pair for Cityscapes, without distillation losses (the
# method bases beside this file add them): mmseg's PSPNet R101-D8, frozen, with
# its 80k model-zoo weights (79.76 mIoU at 512x1024) -> mmseg's PSPNet R18-D8
# (74.87 mIoU alone under mmseg's 80k protocol). Both use SyncBN as mmseg
# does; CPU runs override every ``norm_cfg`` (student and teacher) to BN.
# Override the checkpoint with ``model.teacher_ckpt=...`` (the top-level
# ``teacher_ckpt`` is only read here).
_base_ = '../models/pspnet_r18-d8.py'

custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)

teacher_ckpt = 'https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth'  # noqa: E501
model = dict(
    _delete_=True,
    type='mmdlkd.Distiller',
    student=_base_.model,
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'
    ),
    teacher_ckpt=teacher_ckpt,
    data_preprocessor=None)
