"""Analysis of trained models, backend-free: reads only canonical params and vocabularies (plus optional Ratings).

Bias ranking, PCA maps and plots, cosine neighbours, robust PCA, top-N
recommendations, cold start (fold-in and average taste), exports and a report.
Everything accepts a :class:`~recsys_core.model.Model` or a
:class:`~recsys_core.checkpoint.Checkpoint`, whichever backend trained it.

Example:
    >>> from recsys_core import analysis
    >>> analysis.bias_ranking(model, ratings, n=5, top_rated=1000).highest
"""

from recsys_core.analysis.biases import BiasRanking, bias_ranking
from recsys_core.analysis.coldstart import (
    FoldedUser,
    average_user,
    fold_in_user,
    predict_folded,
    recommend_folded,
    recommend_new_user,
)
from recsys_core.analysis.export import export_factors, export_projector, factor_table
from recsys_core.analysis.pca import PCAResult, factor_pca, matrix_pca, pca_extremes, pca_matrix
from recsys_core.analysis.plots import plot_biases, plot_pca
from recsys_core.analysis.recommend import recommend, score_user, top_n, user_scores
from recsys_core.analysis.report import write_report
from recsys_core.analysis.rpca import RobustPCAResult, factor_robust_pca, robust_pca
from recsys_core.analysis.similarity import cosine_similarities, most_similar

__all__ = [
    "robust_pca",
    "BiasRanking",
    "FoldedUser",
    "PCAResult",
    "RobustPCAResult",
    "average_user",
    "bias_ranking",
    "cosine_similarities",
    "export_factors",
    "export_projector",
    "factor_pca",
    "factor_robust_pca",
    "factor_table",
    "fold_in_user",
    "matrix_pca",
    "most_similar",
    "pca_extremes",
    "pca_matrix",
    "plot_biases",
    "plot_pca",
    "predict_folded",
    "recommend",
    "recommend_folded",
    "recommend_new_user",
    "score_user",
    "top_n",
    "user_scores",
    "write_report",
]
