# DLKD from a self-supervised ResNet-50 teacher (MoCo-v2 or SwAV, loaded as
# the whole mmpretrain self-supervised model with its model-zoo checkpoint,
# so the checkpoint loads strictly) into an ImageNet ResNet, paper Table V.
# No labels and no logits: alignment (weight 10) + correlation (weight 20)
# only, on the pooled features. The teacher runs ``extract_feat`` (its
# backbone), the recorder takes the 2048 x 7 x 7 map and a parameter-free
# GlobalAveragePooling connector (``t_pool``) pools it; the student's
# feature is its GlobalAveragePooling neck output (512-d for ResNet-18/34).
# Spindle: 512 -> 4096 -> 2048 (2x the teacher dim instead of the paper's
# 16x = 32768, which would add 84M parameters; Table VII puts 0.25x..64x
# within 0.5 pt).
# The distiller needs a student with a task loss: its linear head is kept
# with CE weight 0, so no label reaches the network (the data loader still
# reads ImageNet's labels). The correlation is over the global batch of 256
# (gather=True), one view per image, self-similarity masked.
# Protocol: SGD momentum 0.9, wd 1e-4, 200 epochs (paper); lr 0.03 for a
# total batch of 256 with cosine decay (MoCo-v2's / SEED's recipe; the paper
# does not give it); MoCo-v2 augmentation for the single view.
# Evaluation (paper Table V): k-NN (k = 10) of the student's pooled feature,
# e.g. after `tools/model_converters/export_student.py`:
#   python tools/analysis/knn_eval.py STUDENT_CONFIG student.pth --k 10
# or the `mmdlkd.KNNAccuracy` metric with mmpretrain's ImageToImageRetriever
# (mmdlkd/evaluation/knn_metric.py). No validation runs during training.
# Children set the teacher (cfg_path, checkpoint) and the student depth.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32_mocov2.py',
    'mmpretrain::_base_/schedules/imagenet_sgd_coslr_200e.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
imagenet_norm = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
model = dict(
    type='mmdlkd.Distiller',
    student=dict(
        type='ImageClassifier',
        data_preprocessor=dict(
            type='ClsDataPreprocessor', num_classes=1000, **imagenet_norm),
        backbone=dict(
            type='ResNet',
            depth=18,
            num_stages=4,
            out_indices=(3, ),
            style='pytorch'),
        neck=dict(type='GlobalAveragePooling'),
        # a placeholder head: CE weight 0, no label signal
        head=dict(
            type='LinearClsHead',
            num_classes=1000,
            in_channels=512,
            loss=dict(type='CrossEntropyLoss', loss_weight=0.0))),
    teacher=dict(
        data_preprocessor=dict(
            type='SelfSupDataPreprocessor', **imagenet_norm),
        # the frozen teacher runs in eval(): BN and SyncBN compute the same
        backbone=dict(norm_cfg=dict(type='BN'))),
    data_preprocessor=None,
    distill=dict(
        recorders=dict(
            student=dict(feat=dict(source='neck', index=-1)),
            teacher=dict(feat=dict(source='backbone', index=-1))),
        connectors=dict(
            t_pool=dict(type='mmpretrain.GlobalAveragePooling'),
            align=dict(
                type='mmdlkd.MLPConnector',
                in_channels=512,
                out_channels=2048,
                hidden_channels=4096),
            corr=dict(
                type='mmdlkd.MLPConnector',
                in_channels=512,
                out_channels=512,
                hidden_channels=512)),
        losses=dict(
            loss_align=dict(
                type='mmdlkd.AlignLoss', loss_weight=10.0, normalize=True),
            loss_corr=dict(
                type='mmdlkd.CorrelationLoss',
                loss_weight=20.0,
                tau=0.5,
                gather=True)),
        loss_inputs=dict(
            loss_align=dict(
                s_feat=('student.feat', 'align'),
                t_feat=('teacher.feat', 't_pool')),
            loss_corr=dict(
                s_feat=('student.feat', 'corr'),
                t_feat=('teacher.feat', 't_pool')))))
# one MoCo-v2 view per image, in mmpretrain's classification format
train_dataloader = dict(
    collate_fn=dict(_delete_=True, type='default_collate'),
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'), *_base_.view_pipeline,
        dict(type='PackInputs')
    ]))
data_preprocessor = None
val_dataloader = None
val_evaluator = None
val_cfg = None
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
]
