"""Data: Ratings and Vocab, loaders (MovieLens, csv/parquet files, synthetic) and the download cache."""

from recsys_core.data.cache import data_dir, download, safe_extract
from recsys_core.data.catalog import BUILTIN_DATASETS, DatasetInfo
from recsys_core.data.files import load_file
from recsys_core.data.movielens import MOVIELENS, MovieLensSource, load_movielens, movielens_cached
from recsys_core.data.ratings import Ratings
from recsys_core.data.synthetic import synthetic
from recsys_core.data.validation import DUPLICATE_POLICIES
from recsys_core.data.vocab import UNKNOWN, Vocab

__all__ = [
    "BUILTIN_DATASETS",
    "DUPLICATE_POLICIES",
    "MOVIELENS",
    "UNKNOWN",
    "DatasetInfo",
    "MovieLensSource",
    "Ratings",
    "Vocab",
    "data_dir",
    "download",
    "load_file",
    "load_movielens",
    "movielens_cached",
    "safe_extract",
    "synthetic",
]
