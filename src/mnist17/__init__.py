"""The helpers that the notebooks of "Neural Networks I: MNIST in 17 Lines" import.

The notebooks keep the Keras code of the post in plain sight; the plumbing they need (a verified
MNIST, saving figures, handing the trained model on, the drawing pad) lives here, one small module
per job; docs/maintainers.md's Layout says which. What runs, publishes and checks the series is the
maintainer's package beside this one, `mnist17_tools`.
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
