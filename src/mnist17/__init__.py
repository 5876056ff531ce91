"""The small helper package of the notebook series "Neural Networks I: MNIST in 17 Lines".

The notebooks keep the post's Keras code in plain sight; what the series adds around it lives
here and is imported in cells marked `# extra code`: saving figures under the post's names,
handing notebook 04's trained model on, the drawing pad (08) and the sweep's results (09).
"""

from mnist17.figures import readable_figures, save_fig, save_model_summary
from mnist17.speed import speed_up
from mnist17.trained import load_history, load_trained_model, save_training_results

__all__ = [
    "load_history",
    "load_trained_model",
    "readable_figures",
    "save_fig",
    "save_model_summary",
    "save_training_results",
    "speed_up",
]
