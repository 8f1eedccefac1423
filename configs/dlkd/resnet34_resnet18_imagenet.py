# The ImageNet headline: DLKD from mmpretrain's ResNet-34 (frozen, model-zoo
# weights) into ResNet-18, the paper's protocol (100 epochs, total batch 256)
# and weights (CE 1, align 10, corr 20, sup 0.5). Paper (Table III): DLKD
# 72.12 top-1 (teacher 73.31, student alone 69.75).
#   tools/dist_train.sh configs/dlkd/resnet34_resnet18_imagenet.py 8
# Everything is inherited from resnet34_resnet18_8xb32_in1k.py (8 GPUs x 32
# images); on another number of GPUs keep the total batch at 256.
_base_ = './resnet34_resnet18_8xb32_in1k.py'
