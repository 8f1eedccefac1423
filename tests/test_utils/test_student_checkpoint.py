"""Student-only checkpoints: the student's keys, unprefixed, written
atomically."""
import os

import pytest
import torch

import mmdlkd.utils.atomic_io as atomic_io
from mmdlkd.utils.student_checkpoint import (extract_student_state_dict,
                                             save_student_checkpoint)


def distiller_state(value: float) -> dict:
    return {
        'module.student.fc.weight': torch.full((2, 2), value),
        'teacher.fc.weight': torch.zeros(2, 2),
        'connectors.align.weight': torch.ones(1)
    }


def test_extract_keeps_the_student_unprefixed():
    state = extract_student_state_dict(distiller_state(1.))
    assert list(state) == ['fc.weight']
    with pytest.raises(KeyError, match='distiller checkpoint'):
        extract_student_state_dict({'fc.weight': torch.zeros(1)})


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'student.pth')
    save_student_checkpoint(dict(state_dict=distiller_state(1.)), path)

    def fail(*args):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(atomic_io.os, 'replace', fail)
    with pytest.raises(OSError, match='No space left'):
        save_student_checkpoint(dict(state_dict=distiller_state(2.)), path)
    assert os.listdir(tmp_path) == ['student.pth']
    saved = torch.load(path, map_location='cpu', weights_only=False)
    assert torch.equal(saved['state_dict']['fc.weight'], torch.ones(2, 2))
    assert 'student_exported_at' in saved['meta']
