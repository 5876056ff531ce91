"""Preparing a drawn digit as MNIST was made (mnist17.digits), checked on its own and on MNIST."""

import math

import numpy as np
import pytest
from PIL import Image

from mnist17.digits import (
    CANVAS_SIZE,
    EMPTY_PAD,
    STROKE_WIDTH,
    DrawingError,
    mnist_input,
    render_strokes,
    shrink_only,
)
from mnist17_tools.data import TARGET

SEVEN = [[[70, 50], [210, 50], [120, 240]]]
ZERO = [
    [
        [140 + 60 * math.sin(t), 140 - 95 * math.cos(t)]
        for t in np.linspace(0, 2 * math.pi, 40).tolist()
    ]
]


def moved(strokes, scale: float, dx: float, dy: float):
    return [[[dx + scale * x, dy + scale * y] for x, y in stroke] for stroke in strokes]


def as_image(model_input: np.ndarray) -> np.ndarray:
    return model_input.reshape(28, 28)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def ink_extent(image: np.ndarray) -> tuple[int, int]:
    rows, cols = np.nonzero(image.any(axis=1))[0], np.nonzero(image.any(axis=0))[0]
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_strokes_are_drawn_white_on_black_with_the_pen_width():
    image = render_strokes([[[40, 140], [240, 140]]])
    assert image.shape == (CANVAS_SIZE, CANVAS_SIZE) and image.dtype == np.uint8
    assert set(np.unique(image)) <= set(range(256)) and image.max() == 255
    column = image[:, 140]
    assert abs(np.count_nonzero(column) - STROKE_WIDTH) <= 2  # the line is the pen's width
    assert image[140, 40 - STROKE_WIDTH // 2 + 1] == 255  # round cap beyond the end point
    assert image[10, 10] == 0 and image[270, 270] == 0


def test_a_single_point_is_a_dot_and_points_off_the_pad_are_clipped():
    dot = render_strokes([[[100, 100]]])
    assert abs(np.count_nonzero(dot) - math.pi * (STROKE_WIDTH / 2) ** 2) < 0.2 * np.count_nonzero(
        dot
    )
    clipped = render_strokes([[[-500, 140], [800, 140]]])
    assert np.count_nonzero(clipped[140]) == CANVAS_SIZE


@pytest.mark.parametrize("strokes", [SEVEN, ZERO, [[[140, 30], [140, 250]]]], ids=["7", "0", "1"])
def test_the_longer_side_is_scaled_to_20_pixels_and_centred_by_mass(strokes):
    x = mnist_input(render_strokes(strokes))  # what the network takes: 784 pixels in 0..1
    assert x.shape == (1, 784) and x.dtype == np.float32 and 0.9 < x.max() <= 1 and x.min() >= 0
    image = as_image(x)
    assert max(ink_extent(image)) in (19, 20, 21)  # 20, give or take the anti-aliased edge
    row, col = centre_of_mass(image)
    assert abs(row - 14) <= 0.501 and abs(col - 14) <= 0.501  # whole-pixel shifts


def test_the_aspect_ratio_is_kept():
    # A 1 is tall and thin: scaling both sides to 20 would make it a block.
    height, width = ink_extent(as_image(mnist_input(render_strokes([[[140, 30], [140, 250]]]))))
    tall = (250 - 30 + STROKE_WIDTH) / STROKE_WIDTH
    assert height >= 19 and width <= 20 / tall + 2


@pytest.mark.parametrize(("scale", "dx", "dy"), [(0.4, 0, 0), (0.5, 130, 130), (1.0, 10, -15)])
def test_size_and_place_on_the_pad_hardly_matter(scale, dx, dy):
    # Same strokes, drawn smaller or elsewhere: the input is nearly the same (the pen is not
    # scaled, so strokes of a small digit come out thicker).
    reference = mnist_input(render_strokes(SEVEN))
    other = mnist_input(render_strokes(moved(SEVEN, scale, dx, dy)))
    assert np.corrcoef(reference[0], other[0])[0, 1] > 0.7
    row, col = centre_of_mass(as_image(other))
    assert abs(row - 14) <= 0.501 and abs(col - 14) <= 0.501  # whole-pixel shifts


def test_shrinking_only_keeps_a_small_digit_small_and_off_centre():
    small = render_strokes(moved(SEVEN, 0.35, 10, 10))
    shrunk, prepared = as_image(shrink_only(small)), as_image(mnist_input(small))
    assert max(ink_extent(shrunk)) <= 14 and max(ink_extent(prepared)) >= 19
    assert centre_of_mass(shrunk)[0] < 8


def test_mnist_digits_come_back_almost_unchanged():
    # MNIST's own digits are already prepared: drawn 10x larger, they must come back nearly
    # as they were (mean absolute difference per pixel, 0..1).
    x_test = np.load(TARGET)["x_test"]
    errors = []
    for digit in x_test[:100]:
        big = np.asarray(Image.fromarray(digit).resize((280, 280), Image.Resampling.BILINEAR))
        big = np.where(big > 20, big, 0).astype(np.uint8)
        errors.append(np.abs(mnist_input(big)[0] - digit.reshape(784) / 255.0).mean())
    assert np.mean(errors) < 0.04 and max(errors) < 0.1


@pytest.mark.parametrize(
    ("strokes", "says"),
    [
        ([], EMPTY_PAD),
        ([[[140, 140]]], "only a dot"),
        ([[[150, 150], [152, 151]], [[160, 140]]], "only a dot"),
        ([[[40 + 200 * (i % 2), 40 + 10 * i] for i in range(21)]], "filled blob"),
        ([[[20, y], [260, y]] for y in range(20, 270, 8)], "filled blob"),
    ],
    ids=["empty", "dot", "two dots", "zigzag blob", "whole pad"],
)
def test_what_is_not_a_digit_gets_a_message_saying_what_to_do(strokes, says):
    with pytest.raises(DrawingError, match=says) as caught:
        mnist_input(render_strokes(strokes))
    assert "draw" in str(caught.value)


@pytest.mark.parametrize(
    "strokes",
    [
        "7",
        [[[1, 2, 3]]],
        [[["a", 1]]],
        [[[math.nan, 1]]],
        [[]],
        [7],
        None,
        [[[0, 0]] * 20_001],
    ],
    ids=["text", "three numbers", "letter", "nan", "empty stroke", "number", "none", "too many"],
)
def test_malformed_strokes_are_refused_with_a_message(strokes):
    with pytest.raises(DrawingError, match="strokes must be|more than"):
        render_strokes(strokes)


def test_an_image_that_is_not_square_is_refused():
    with pytest.raises(DrawingError, match="square"):
        mnist_input(np.ones((10, 20), dtype=np.uint8))
