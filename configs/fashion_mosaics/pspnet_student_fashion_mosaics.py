# Student alone on the Fashion-MNIST mosaics: the narrower CPU PSPNet
# (configs/_base_/models/fashion_mosaics_pspnet.py), cross-entropy only.
_base_ = ['../_base_/protocols/fashion_mosaics_cpu.py']
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = _base_.student_model
