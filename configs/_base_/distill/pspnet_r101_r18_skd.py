# Baseline: SKD-style pair-wise distillation (Liu et al.): cosine similarity
# matrices between the nodes of the decoder feature (``decode_head.bottleneck``
# outputs, max-pooled to a 2x2 grid of nodes as SKD's code does), matched by
# squared error. Weight 10 as CIRKD's ``--lambda-skd 10``. Only the pair-wise
# term: SKD's pixel-wise KD and holistic (adversarial) terms are not included.
_base_ = './pspnet_r101_r18.py'

model = dict(
    distill=dict(
        recorders=dict(
            student=dict(feat='decode_head.bottleneck'),
            teacher=dict(feat='decode_head.bottleneck')),
        losses=dict(
            loss_skd=dict(
                type='mmdlkd.PixelSimilarityLoss',
                loss_weight=10.0,
                pool_size=2,
                pool_type='max')),
        loss_inputs=dict(
            loss_skd=dict(s_feat='student.feat', t_feat='teacher.feat'))))
