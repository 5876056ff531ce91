"""The helpers that the notebooks of "Neural Networks I: MNIST in 17 Lines" import.

The notebooks keep the Keras code of the post in plain sight; the plumbing they need lives
here, one small module per job:

- `paths`: where data, figures and trained artifacts live, whatever the working directory
- `data`: `load_mnist()`, the same arrays as `keras.datasets.mnist.load_data()`, verified
- `figures`: `save_fig(name)` writes every figure of the post into `figures/`;
  `readable_figures()` keeps figure text as large as the notebook's text
- `artifacts`: saving and loading the trained model and its training history
- `callbacks`: `EpochLog`, one stable line per training epoch (imports Keras, so not re-exported)
- `params`: checking the training parameters before any training starts
- `environment`: the Keras backend (TensorFlow, JAX or PyTorch), versions, seeds, threads and
  quiet start-up logs for reproducible runs
- `files`: atomic writes, so that a failed save never leaves half a file
- `digits`: drawing pen strokes and preparing them as MNIST was made (notebook 08)
- `drawing_pad`: `DigitPad`, the drawing pad of notebook 08 (imports ipywidgets and anywidget,
  so not re-exported)

What runs, publishes and checks the series (`make run-all`, the tests' tolerances, the
reference record) is the maintainer's package beside this one, `mnist17_tools`.
"""

from mnist17.artifacts import load_history, load_trained_model, save_training_results
from mnist17.data import load_mnist
from mnist17.figures import readable_figures, save_fig

__all__ = [
    "load_history",
    "load_mnist",
    "load_trained_model",
    "readable_figures",
    "save_fig",
    "save_training_results",
]
