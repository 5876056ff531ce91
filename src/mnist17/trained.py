"""Hand notebook 04's trained network on to notebooks 05, 06 and 08, so that they never train.

04 saves its history (`history.json`, as `model.fit` returned it) and its weights (`weights.npy`,
all of them in one flat float32 array) into `trained/` in its working folder. The later notebooks
read them from there when 04 has run in the same folder, else from the copy that comes with this
package (`make run-all` writes it from its own run of 04): a notebook opened alone on a hosted
runtime then starts at once, with the numbers the committed notebooks show. Both files are the
same bytes on every run of the same training.
"""

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np

FOLDER = "trained"
HISTORY, WEIGHTS = "history.json", "weights.npy"
PACKAGED = Path(__file__).with_name(FOLDER)


def save_training_results(model, history) -> None:
    """Save `history.history` and `model`'s weights into `trained/`."""
    folder = Path(FOLDER)
    folder.mkdir(exist_ok=True)
    values = {name: [float(v) for v in series] for name, series in history.history.items()}
    (folder / HISTORY).write_text(json.dumps(values, indent=1) + "\n")
    np.save(folder / WEIGHTS, np.concatenate([w.ravel() for w in model.get_weights()]))


def _saved(name: str) -> Path:
    """04's file `name` from this folder's `trained/` when 04 ran here, else the packaged one."""
    here = Path(FOLDER) / name
    return here if here.exists() else PACKAGED / name


def load_history() -> SimpleNamespace:
    """04's history, with ``.history['loss']`` ... as `model.fit` returned it in the post."""
    return SimpleNamespace(history=json.loads(_saved(HISTORY).read_text()))


def load_trained_model():
    """The post's network (notebook 03) with the weights that notebook 04 trained."""
    from keras import Input
    from keras.layers import Dense
    from keras.models import Sequential

    model = Sequential([Input(shape=(784,))])
    model.add(Dense(256, activation="sigmoid"))
    model.add(Dense(128, activation="sigmoid"))
    model.add(Dense(10, activation="softmax"))
    flat = np.load(_saved(WEIGHTS))
    shapes = [w.shape for w in model.get_weights()]
    if flat.size != sum(int(np.prod(shape)) for shape in shapes):
        raise ValueError(
            f"{_saved(WEIGHTS)} holds {flat.size} weights, the post's network has another number:"
            " run notebook 04 again, in this folder, to train it anew."
        )
    ends = np.cumsum([int(np.prod(shape)) for shape in shapes])[:-1]
    model.set_weights([w.reshape(s) for w, s in zip(np.split(flat, ends), shapes, strict=True)])
    return model
