"""A distiller without losses (the two-view control): the teacher is not
run, the student's CE reads the original view only."""
import torch
from distill_helpers import build, cls_batch, cls_model


def test_two_views_without_distill_train_the_student_alone(cls_scope):
    model = build(
        dict(
            type='mmdlkd.Distiller',
            random_teacher=True,
            student=cls_model(base=16),
            teacher=cls_model(base=32),
            num_views=2))
    calls = []
    model.teacher.register_forward_pre_hook(lambda m, a: calls.append(1))
    model.teacher.backbone.register_forward_pre_hook(
        lambda m, a: calls.append(1))
    views, samples = cls_batch(n=3, views=2)
    losses = model.loss(views, samples)
    assert calls == []
    assert set(losses) == {'loss'}
    # the CE of view 0 alone, with the batch norms over both views
    seen = []
    model.student.head.register_forward_pre_hook(
        lambda m, a: seen.append(a[0][-1].shape[0]))
    ref = model.loss(views, samples)['loss']
    assert seen == [6]
    feats = model.student.extract_feat(torch.cat(views))
    logits = model.student.head(tuple(f[:3] for f in feats))
    labels = torch.tensor([int(s.gt_label) for s in samples])
    assert torch.allclose(ref,
                          torch.nn.functional.cross_entropy(logits, labels))
