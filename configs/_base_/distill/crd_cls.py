# CRD (Tian et al., ICLR 2020) for classifiers, as RepDistiller
# (HobbitLong/RepDistiller) trains it for its CIFAR-100 numbers:
#   python train_student.py --distill crd -a 0 -b 0.8 (-r 1 by default)
# i.e. CE weight 1 (the student head's own loss), no Hinton KD, CRD 0.8.
# What each setting follows (RepDistiller file: name, default):
# - the pooled penultimate features (train_student.py: feat_s[-1],
#   feat_t[-1]) through Embed = Linear + L2 norm to 128-d (crd/criterion.py
#   Embed; --feat_dim 128) on each side; both embeddings are trained
#   (trainable_list gets embed_s and embed_t), the teacher is frozen;
# - memory banks of both networks' embeddings over the training set,
#   initialised uniform in +-1/sqrt(128/3), updated with momentum 0.5 and
#   renormalised (crd/memory.py ContrastMemory; --nce_m 0.5);
# - 16,384 negatives per sample (--nce_k), drawn from the training samples
#   of the other classes (dataset/cifar100.py CIFAR100InstanceSample,
#   --mode exact; replace only when a class has fewer other samples);
# - NCE with noise 1/n_data and temperature 0.07 (crd/criterion.py
#   ContrastLoss; --nce_t 0.07), Z estimated once on the first batch,
#   the student-anchor plus the teacher-anchor term.
# The banks are sized from the training set by mmdlkd.CRDMemoryHook, which
# configs that add a runtime put into custom_hooks (see cifar100_crd.py);
# without it the first step fails, naming the hook. Pair configs set
# embed_s / embed_t in_channels. docs/losses.md: "CRD".
model = dict(
    type='mmdlkd.Distiller',
    distill=dict(
        recorders=dict(
            student=dict(feat=dict(source='neck', index=-1)),
            teacher=dict(feat=dict(source='neck', index=-1))),
        connectors=dict(
            embed_s=dict(
                type='mmdlkd.LinearConnector',
                out_channels=128,
                normalize=True),
            embed_t=dict(
                type='mmdlkd.LinearConnector',
                out_channels=128,
                normalize=True)),
        losses=dict(
            loss_crd=dict(
                type='mmdlkd.CRDLoss',
                loss_weight=0.8,
                feat_dim=128,
                num_negatives=16384,
                tau=0.07,
                momentum=0.5,
                negatives='other_classes')),
        loss_inputs=dict(
            loss_crd=dict(
                s_feat=('student.feat', 'embed_s'),
                t_feat=('teacher.feat', 'embed_t'),
                sample_idx='sample_idx'))))
crd_memory_hook = dict(type='mmdlkd.CRDMemoryHook')
