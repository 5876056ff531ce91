"""`speed_up(model, images, batch_size)`: the same training in less time; not in the post.

Two Keras settings change the speed, not the model: `jit_compile=True` compiles each training
step with XLA into one optimized program instead of running TensorFlow's operations one by one,
and `steps_per_execution` runs all the batches of an epoch in one call instead of returning to
Python after each batch. `compile()` resets both, so they are set after it. JAX takes the same
two. On PyTorch Keras runs one batch per call, and `torch.compile` took longer to compile than it
saved in 50 epochs (docs/running.md), so the model keeps Keras's defaults there. Same model, same
batches: only the last digits of the numbers differ from a run without them (notebook 07 trains
without them).
"""

import math


def speed_up(model, images: int, batch_size: int) -> None:
    """Compile `model`'s training with XLA, an epoch of `images` in batches of `batch_size` per
    call (on TensorFlow and JAX; on PyTorch, nothing changes)."""
    import keras

    if keras.backend.backend() == "torch":
        return
    model.jit_compile = True
    model.steps_per_execution = math.ceil(images / batch_size)
