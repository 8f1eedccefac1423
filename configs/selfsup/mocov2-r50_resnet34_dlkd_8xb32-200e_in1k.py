# DLKD from mmpretrain's MoCo-v2 ResNet-50 (200 epochs, self-supervised; its
# linear probe scores 67.5 top-1 in mmpretrain's model zoo) into ResNet-34
# on ImageNet, without labels: alignment + correlation on the pooled
# features (../_base_/distill/selfsup_r50_dlkd_in1k.py). The teacher is the
# whole mmpretrain MoCo-v2 model, so its model-zoo checkpoint (backbone,
# neck, ... keys) loads with strict key checking; only its backbone runs.
# Paper (Table V) reports k-NN (k = 10) top-1 on ImageNet; evaluate with
# tools/analysis/knn_eval.py. This config: not yet trained.
#   tools/dist_train.sh \
#       configs/selfsup/mocov2-r50_resnet34_dlkd_8xb32-200e_in1k.py 8
_base_ = ['../_base_/distill/selfsup_r50_dlkd_in1k.py']
teacher_cfg = 'mmpretrain::mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py'  # noqa: E501
# the MoCo-v2 entry of mmpretrain's configs/mocov2/metafile.yml
teacher_ckpt = 'https://download.openmmlab.com/mmselfsup/1.x/mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k/mocov2_resnet50_8xb32-coslr-200e_in1k_20220825-b6d23c86.pth'  # noqa: E501
model = dict(
    student=dict(backbone=dict(depth=34)),
    teacher=dict(cfg_path=teacher_cfg),
    teacher_ckpt=teacher_ckpt)
