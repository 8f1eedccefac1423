# DLKD from mmpretrain's SwAV ResNet-50 (200 epochs, self-supervised; its
# linear probe scores 70.5 top-1 in mmpretrain's model zoo) into ResNet-34
# on ImageNet, without labels: alignment + correlation on the pooled
# features (../_base_/distill/selfsup_r50_dlkd_in1k.py). The teacher is the
# whole mmpretrain SwAV model, so its model-zoo checkpoint (backbone,
# neck, ... keys) loads with strict key checking; only its backbone runs.
# Paper (Table V) reports k-NN (k = 10) top-1 on ImageNet; evaluate with
# tools/analysis/knn_eval.py. This config: not yet trained.
#   tools/dist_train.sh \
#       configs/selfsup/swav-r50_resnet34_dlkd_8xb32-200e_in1k.py 8
_base_ = ['../_base_/distill/selfsup_r50_dlkd_in1k.py']
teacher_cfg = 'mmpretrain::swav/swav_resnet50_8xb32-mcrop-coslr-200e_in1k-224px-96px.py'  # noqa: E501
# the SwAV entry of mmpretrain's configs/swav/metafile.yml
teacher_ckpt = 'https://download.openmmlab.com/mmselfsup/1.x/swav/swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96/swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96_20220825-5b3fc7fc.pth'  # noqa: E501
model = dict(
    student=dict(backbone=dict(depth=34)),
    teacher=dict(
        cfg_path=teacher_cfg,
        # SwAV's neck uses SyncBN; in eval() BN computes the same
        neck=dict(norm_cfg=dict(type='BN'))),
    teacher_ckpt=teacher_ckpt)
