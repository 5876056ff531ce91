"""Training parameters are checked before any training starts, with a message naming the bad one."""

import math

import pytest
from helpers import run_module, run_notebook

from mnist17.params import DEFAULTS, ParameterError, TrainingParams, validate_training_params

GOOD = DEFAULTS.as_dict()
BAD = [
    ("epochs", 0, "epochs must be a positive integer"),
    ("epochs", -3, "epochs must be a positive integer"),
    ("epochs", 2.5, "epochs must be a positive integer"),
    ("epochs", "ten", "epochs must be a positive integer"),
    ("epochs", True, "epochs must be a positive integer"),
    ("batch_size", 0, "batch_size must be an integer from 1 to 60000"),
    ("batch_size", 60001, "batch_size must be an integer from 1 to 60000"),
    ("learning_rate", 0, "learning_rate must be a positive finite number"),
    ("learning_rate", -0.01, "learning_rate must be a positive finite number"),
    ("learning_rate", math.inf, "learning_rate must be a positive finite number"),
    ("learning_rate", math.nan, "learning_rate must be a positive finite number"),
    ("learning_rate", "fast", "learning_rate must be a positive finite number"),
    ("seed", -1, "seed must be an integer from 0 to 4294967295"),
    ("seed", 1.5, "seed must be an integer from 0 to 4294967295"),
]


def test_the_posts_parameters_are_accepted():
    assert validate_training_params(**GOOD) == TrainingParams(50, 128, 0.01, 123)
    # Command-line strings are converted.
    assert validate_training_params("2", "64", "0.1", "7") == TrainingParams(2, 64, 0.1, 7)


@pytest.mark.parametrize(("name", "value", "message"), BAD)
def test_bad_parameter_is_refused_with_its_name_and_range(name, value, message):
    with pytest.raises(ParameterError, match=message):
        validate_training_params(**{**GOOD, name: value})


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--epochs", "0", "epochs must be"),
        ("--batch-size", "100000", "batch_size must be"),
        ("--learning-rate", "nan", "learning_rate must be"),
        ("--seed", "x", "seed must be"),
    ],
)
def test_make_run_all_refuses_bad_parameters_before_running_anything(option, value, message):
    result = run_module("run-all", option, value)
    assert result.returncode == 2
    assert message in result.stderr
    assert "running" not in result.stdout


def test_training_notebook_refuses_a_bad_parameter_before_training(tmp_path):
    error = run_notebook("04_training.ipynb", tmp_path, {"epochs": -1})
    assert error is not None and error.ename == "ParameterError"
    assert "epochs must be a positive integer" in error.evalue
    assert not (tmp_path / "artifacts").exists()  # nothing was trained or saved
