from .cka import (ESTIMATORS, center_gram, cka, cka_from_grams, cka_matrix,
                  hsic, linear_cka, linear_gram, rbf_cka, rbf_gram)
from .data import (build_eval_dataloader, choose_indices, dataset_pipeline,
                   eval_pipeline, innermost_datasets, with_pipeline)
from .features import (FeatureExtractor, build_model, extract_features,
                       pool_feature)
from .knn import knn_accuracy, knn_classify, knn_vote, topk_accuracy
from .knn_metric import KNNAccuracy
from .knowledge import (concept_mask, consistency_iou, knowledge_scores,
                        mean_entropy, perturbation_entropy, random_view_params,
                        shift_view, view_to_image)
from .linear_probe import train_linear_probe

__all__ = [
    'ESTIMATORS', 'hsic', 'dataset_pipeline', 'innermost_datasets',
    'eval_pipeline', 'with_pipeline', 'center_gram', 'cka', 'cka_from_grams',
    'cka_matrix', 'linear_cka', 'linear_gram', 'rbf_cka', 'rbf_gram',
    'build_eval_dataloader', 'choose_indices', 'FeatureExtractor',
    'build_model', 'extract_features', 'pool_feature', 'knn_accuracy',
    'knn_classify', 'knn_vote', 'topk_accuracy', 'KNNAccuracy', 'concept_mask',
    'consistency_iou', 'knowledge_scores', 'mean_entropy',
    'perturbation_entropy', 'random_view_params', 'shift_view',
    'view_to_image', 'train_linear_probe'
]
