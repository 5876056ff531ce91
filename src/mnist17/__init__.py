"""Plumbing for the notebook series "Neural Networks I: MNIST in 17 Lines".

The notebooks keep the Keras code of the post in plain sight; everything else they need
(paths, getting and verifying MNIST, saving figures, handing the trained model from one
notebook to the next) lives here, one small module per job:

- `paths`: where data, figures and trained artifacts live, independent of the working directory
- `data`: `load_mnist()`, the same arrays as `keras.datasets.mnist.load_data()`, verified
- `figures`: `save_fig(name)` writes every figure of the post into `figures/`
- `artifacts`: saving and loading the trained model and its training history
- `callbacks`: `EpochLog`, one stable line per training epoch (imports Keras, so not re-exported)
- `params`: checking the training parameters before any training starts
- `environment`: the Keras backend (TensorFlow, JAX or PyTorch), versions, seeds, threads and
  quiet start-up logs for reproducible runs
- `digits`: drawing pen strokes and preparing them as MNIST was made (notebook 08)
- `drawing_pad`: `DigitPad`, the drawing pad of notebook 08 (imports ipywidgets and anywidget,
  so not re-exported)
- `run_all`: the runner behind `make run-all`
"""

from mnist17.artifacts import load_history, load_trained_model, save_training_results
from mnist17.data import load_mnist
from mnist17.figures import save_fig

__all__ = [
    "load_history",
    "load_mnist",
    "load_trained_model",
    "save_fig",
    "save_training_results",
]
