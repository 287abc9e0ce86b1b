"""ModelSpec and TrainConfig: validation on construction and JSON round trips."""

import dataclasses

import pytest

from recsys_core.errors import ConfigError
from recsys_core.spec import ModelSpec, TrainConfig


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"kind": "svd"}, "model kind 'svd' is unknown"),
        ({"n_factors": 0}, "n_factors must be a positive integer"),
        ({"y_range": (5.0, 1.0)}, "low < high"),
        ({"init_std": 0.0}, "init_std must be positive"),
    ],
)
def test_model_spec_rejects_bad_values(kwargs, needle):
    with pytest.raises(ConfigError, match=needle):
        ModelSpec(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"bs": 2.5}, "bs must be a positive integer"),
        ({"lr": -1.0}, "lr must be a positive number"),
        ({"wd": -0.1}, "wd must be a non-negative number"),
        ({"pct_start": 1.0}, "pct_start must lie in"),
        ({"schedule": "cosine"}, "schedule 'cosine' is unknown"),
        ({"sampling": "bootstrap"}, "sampling 'bootstrap' is unknown"),
    ],
)
def test_train_config_rejects_bad_values(kwargs, needle):
    with pytest.raises(ConfigError, match=needle):
        TrainConfig(**kwargs)


def test_specs_round_trip_through_json():
    spec = ModelSpec(kind="dot", n_factors=7, y_range=None)
    config = TrainConfig(epochs=3, moms=(0.9, 0.8, 0.9), sampling="replacement")
    assert ModelSpec.from_json(spec.to_json()) == spec
    assert TrainConfig.from_json(config.to_json()) == config


def test_from_json_names_an_unknown_field():
    with pytest.raises(ConfigError, match="no field 'factors'"):
        ModelSpec.from_json({"factors": 3})


def test_book_recipe_and_replace():
    book = TrainConfig.book()
    assert (book.epochs, book.lr, book.wd, book.bs) == (5, 5e-3, 0.1, 64)
    assert dataclasses.replace(book, epochs=2).epochs == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        book.lr = 1.0  # type: ignore[misc]


def test_members_validation_and_defaults():
    assert ModelSpec().members == 1 and ModelSpec.default().members == 3 and ModelSpec.book().members == 1
    assert ModelSpec.from_json({"kind": "biased"}).members == 1  # a checkpoint from before ensembles
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ConfigError, match="members must be a positive integer"):
            ModelSpec(members=bad)
    with pytest.raises(ConfigError, match="pass members=1"):
        ModelSpec(kind="neural", members=2)
    with pytest.raises(ConfigError, match="pass members=1"):
        ModelSpec(members=2, loss="cross_entropy")
