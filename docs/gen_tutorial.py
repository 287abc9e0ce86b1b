"""Run the tutorial's code on ml-100k and write docs/tutorial.md with its real outputs.

    .venv/bin/python docs/gen_tutorial.py        # about a minute on 2 CPU cores (torch backend)

Every code block in the page is exactly the code executed here, in one shared
namespace, and the block after it is what it printed. The page is committed;
rerun this script when the API or the numbers change (``make docs`` does not
rerun it: it needs MovieLens and a minute of training).
"""

from __future__ import annotations

import contextlib
import io
import os
import textwrap
from pathlib import Path

import pandas as pd

DOCS = Path(__file__).resolve().parent
OUT = DOCS / "tutorial.md"

HEADER = """\
# Tutorial: the fastai chapter-8 path

This walks the path of chapter 8 of *Deep Learning for Coders with fastai and
PyTorch* (collaborative filtering on MovieLens 100k) with recsys: a plain dot
product, the same with `y_range`, biases, weight decay, the neural EmbeddingNN,
then reading the model: bias ranking, PCA of the film factors, similar films
and a new user (cold start).

!!! note "Real outputs"
    Every output below was produced by running exactly the code shown, with
    `docs/gen_tutorial.py` ({when}, backend `torch` on CPU, seed 42). Rerun
    the script to regenerate this page; the dot-product models' numbers match to
    the last printed digit on any backend, because the split, the initial
    weights, the batch order and the schedule all come from the seed (the
    neural model agrees to about 1e-3 RMSE: see the parity page).
"""

STEPS: list[tuple[str, str]] = [
    ("## Load the data\n\nThe core downloads MovieLens 100k once (set `RECSYS_DATA_DIR` to point at a copy). "
     "Items are keyed by title, as in the book.",
     """
import numpy as np
import recsys_core as rs
from recsys_core import ModelSpec, TrainConfig, analysis

ratings = rs.load_dataset("ml-100k", item="title")
print(ratings)
print(ratings.to_df().head())
"""),
    ("## Model 1: a dot product\n\nThe book's first `DotProduct`: 50 factors, no output range, "
     "`fit_one_cycle(5, 5e-3)`. `TrainConfig.book()` is that recipe (bs 64, fastai's Adam); "
     "`fit` prints nothing by itself, so we pass `on_epoch` to see fastai's epoch table.",
     """
def show(result):
    print(f"epoch {result.epoch}  train_loss {result.train_loss:.4f}  valid_loss {result.valid_loss:.4f}  (MSE)")

book = TrainConfig.book(wd=0.0)
dot = rs.fit(ratings, ModelSpec(kind="dot", n_factors=50, y_range=None), book, backend="torch", on_epoch=show)
print(f"valid RMSE {dot.metrics['rmse']:.4f}")
"""),
    ("## Model 2: squash the output into a range\n\n`y_range=(0, 5.5)` puts the dot product through "
     "`sigmoid_range`, as the book's second model.",
     """
dot_range = rs.fit(ratings, ModelSpec(kind="dot", n_factors=50, y_range=(0.0, 5.5)), book, on_epoch=show)
print(f"valid RMSE {dot_range.metrics['rmse']:.4f}")
"""),
    ("## Model 3: biases\n\n`DotProductBias`: a bias per user and per film. `ModelSpec.book()` is this model.",
     """
biased = rs.fit(ratings, ModelSpec.book(), book, on_epoch=show)
print(f"valid RMSE {biased.metrics['rmse']:.4f}")
"""),
    ("## Weight decay\n\nThe book then adds `wd=0.1`, which is `TrainConfig.book()`'s default: "
     "the overfitting of model 3 goes away.",
     """
model = rs.fit(ratings, ModelSpec.book(), TrainConfig.book(), on_epoch=show)
print(f"valid RMSE {model.metrics['rmse']:.4f}")
"""),
    ("## EmbeddingNN\n\nThe neural model: user and film embeddings of fastai's size heuristic, "
     "concatenated through hidden layers (100, 50), as `collab_learner(use_nn=True, layers=[100, 50])`.",
     """
neural = rs.fit(ratings, ModelSpec.book(kind="neural"), TrainConfig.book(), on_epoch=show)
print(f"valid RMSE {neural.metrics['rmse']:.4f}")
"""),
    ("## Reading the model: film biases\n\nThe films with the lowest and highest learned bias among the "
     "1,000 most-rated: a low bias means even viewers whose taste matches the film tend to dislike it.",
     """
ranking = analysis.bias_ranking(model, ratings, n=5, top_rated=1000)
print(ranking.lowest.to_string(index=False))
print(ranking.highest.to_string(index=False))
"""),
    ("## PCA of the film factors\n\nThe first principal components of the 50 film factors; the films at "
     "either end of component 1 and 2. `analysis.plot_pca(result, 'pca.png')` draws the book's labelled scatter.",
     """
pca = analysis.factor_pca(model, ratings, top_rated=1000, k=3)
print("explained variance ratio:", np.round(pca.explained, 3))
extremes = analysis.pca_extremes(pca, n=4)
print(extremes[extremes.component <= 2].to_string(index=False))
"""),
    ("## Similar films\n\nCosine similarity of film factors: the book's 'Silence of the Lambs' neighbours.",
     """
print(analysis.most_similar(model, "Silence of the Lambs, The (1991)", n=5).to_string(index=False))
"""),
    ("## Recommendations\n\nTop films for an existing user, excluding what they already rated.",
     """
print(analysis.recommend(model, 42, n=5, exclude=ratings).to_string(index=False))
"""),
    ("## Cold start\n\nA new user who rated three films: fold them in (a ridge solve against the film factors, "
     "no retraining) and recommend; with no ratings at all, the 'average taste' profile.",
     """
new_user = {"Star Wars (1977)": 5, "Empire Strikes Back, The (1980)": 5, "Titanic (1997)": 1}
print(analysis.recommend_new_user(model, new_user, n=5).to_string(index=False))
print(analysis.recommend_new_user(model, None, n=5).to_string(index=False))
"""),
]


def run_step(code: str, namespace: dict) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(textwrap.dedent(code), "<tutorial>", "exec"), namespace)  # noqa: S102 - our own code
    return buffer.getvalue().rstrip()


def main() -> None:
    pd.set_option("display.width", 120)
    pd.set_option("display.max_columns", 20)
    namespace: dict = {"__name__": "__tutorial__"}
    parts = [HEADER.format(when=pd.Timestamp.now().strftime("%Y-%m-%d"))]
    for text, code in STEPS:
        print(text.splitlines()[0], flush=True)
        output = run_step(code, namespace)
        parts.append(f"{text}\n\n```python\n{textwrap.dedent(code).strip()}\n```\n")
        if output:
            parts.append(f"```text\n{output}\n```\n")
    parts.append("Next: train the same line-up on every backend with `recsys compare` "
                 "([CLI reference](cli.md)), or write your own backend ([plugin guide](plugins.md)).\n")
    OUT.write_text("\n".join(parts))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    os.environ.setdefault("RECSYS_DATA_DIR", str(DOCS.parents[1] / "shared" / "data"))
    main()
