"""Turn a digit drawn with the mouse into the input the network learned from, as MNIST was made.

MNIST's digits were scaled so that their longer side fits 20 pixels (aspect ratio kept,
anti-aliased), then placed in a 28x28 image with their centre of mass in the middle. The network
only ever saw digits like that, so a drawing is prepared the same way: `render_strokes` draws the
pen strokes on a 280x280 canvas (white on black), `mnist_input` crops, scales and centres them.
Input that is not a digit (nothing drawn, a dot, a filled blob) raises `DrawingError`, whose
message tells the reader what to do.
"""

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

CANVAS_SIZE = 280  # pixels of the drawing pad, 10x MNIST's 28
STROKE_WIDTH = 22  # pen width on the pad: MNIST's strokes are about 2 of the 20 pixels of a digit
MNIST_SIZE = 28
DIGIT_BOX = 20  # MNIST scaled each digit's longer side to 20 pixels
MAX_POINTS = 20_000  # more than any hand-drawn digit; a guard against garbage, not a design limit
SMALLEST_DIGIT = 0.15  # ink spanning less than this share of the pad is a dot, not a digit
EMPTY_PAD = "The pad is empty: draw a digit first."
LARGEST_FILL = 0.6  # ink covering more of its bounding square is a blob (MNIST: 99.9% below 0.57)

Point = Sequence[float]
Stroke = Sequence[Point]


class DrawingError(ValueError):
    """The drawing cannot be read as a digit; the message says what to do instead."""


def _checked_strokes(strokes: Sequence[Stroke]) -> list[list[tuple[float, float]]]:
    """`strokes` as lists of (x, y) floats, or `DrawingError` naming what is wrong."""
    shape = "strokes must be a list of strokes, each a list of [x, y] points"
    if isinstance(strokes, str | bytes) or not isinstance(strokes, Sequence):
        raise DrawingError(f"{shape}, not {type(strokes).__name__}.")
    checked, total = [], 0
    for stroke in strokes:
        if isinstance(stroke, str | bytes) or not isinstance(stroke, Sequence) or not stroke:
            raise DrawingError(f"{shape}; got the stroke {stroke!r}.")
        points = []
        for point in stroke:
            try:
                x, y = (float(v) for v in point)
            except (TypeError, ValueError):
                raise DrawingError(f"{shape}; got the point {point!r}.") from None
            if not (math.isfinite(x) and math.isfinite(y)):
                raise DrawingError(f"{shape} with finite coordinates; got {point!r}.")
            points.append((x, y))
        total += len(points)
        if total > MAX_POINTS:
            raise DrawingError(
                f"The drawing has more than {MAX_POINTS} points: clear the pad and draw again."
            )
        checked.append(points)
    return checked


def render_strokes(
    strokes: Sequence[Stroke], size: int = CANVAS_SIZE, width: int = STROKE_WIDTH
) -> np.ndarray:
    """Draw pen strokes (lists of [x, y] pad pixels) white on black: a (size, size) uint8 image.

    Each stroke is a line of `width` pixels with round ends and joints, as a pen draws it; a
    stroke of one point is a dot. Points outside the pad are clipped, as on the pad itself.
    """
    image = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(image)
    radius = width / 2
    for points in _checked_strokes(strokes):
        if len(points) > 1:
            draw.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps (and a single point's dot)
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return np.asarray(image)


def _ink_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the pixels with ink, bottom and right exclusive."""
    rows, cols = np.nonzero(image.any(axis=1))[0], np.nonzero(image.any(axis=0))[0]
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def check_ink(image: np.ndarray) -> None:
    """Raise `DrawingError` if the drawing is empty, only a dot or a filled blob."""
    if image.ndim != 2 or image.shape[0] != image.shape[1]:
        raise DrawingError(f"The drawing must be a square image, not shape {image.shape}.")
    if not image.any():
        raise DrawingError(EMPTY_PAD)
    top, bottom, left, right = _ink_box(image)
    longer = max(bottom - top, right - left)
    if longer < SMALLEST_DIGIT * image.shape[0]:
        raise DrawingError("That is only a dot: draw a digit, as tall as most of the pad.")
    fill = np.count_nonzero(image[top:bottom, left:right] > 127) / longer**2
    if fill > LARGEST_FILL:
        raise DrawingError(
            f"That looks like a filled blob ({fill:.0%} of its square is ink), not a digit: "
            "clear the pad and draw the digit larger, with single lines."
        )


def mnist_input(image: np.ndarray) -> np.ndarray:
    """The network's input for a drawn digit, prepared as MNIST was: float32 in 0..1, (1, 784).

    Crop to the ink, scale the longer side to 20 pixels keeping the aspect ratio (anti-aliased),
    paste into 28x28 and shift so that the centre of mass is at the centre, pixel (14, 14).
    """
    check_ink(image)
    top, bottom, left, right = _ink_box(image)
    height, width = bottom - top, right - left
    scale = DIGIT_BOX / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))  # PIL: (w, h)
    digit = Image.fromarray(np.ascontiguousarray(image[top:bottom, left:right], dtype=np.uint8))
    digit = np.asarray(digit.resize(new_size, Image.Resampling.LANCZOS), dtype=np.float32)
    out = np.zeros((MNIST_SIZE, MNIST_SIZE), dtype=np.float32)
    row, col = (MNIST_SIZE - digit.shape[0]) // 2, (MNIST_SIZE - digit.shape[1]) // 2
    out[row : row + digit.shape[0], col : col + digit.shape[1]] = digit
    out = _centre_by_mass(out)
    return (out / 255.0).reshape(1, MNIST_SIZE * MNIST_SIZE)


def _centre_by_mass(image: np.ndarray) -> np.ndarray:
    """`image` shifted by whole pixels so that its centre of mass is nearest to (14, 14)."""
    rows, cols = np.indices(image.shape)
    centre, mass = MNIST_SIZE // 2, image.sum()
    shift = [
        round(centre - (rows * image).sum() / mass),
        round(centre - (cols * image).sum() / mass),
    ]
    # Never shift ink out of the image (a 20-pixel digit can move at most 4 pixels either way),
    # so that np.roll, which wraps around, only ever wraps background.
    top, bottom, left, right = _ink_box(image > 0)
    shift[0] = min(max(shift[0], -top), MNIST_SIZE - bottom)
    shift[1] = min(max(shift[1], -left), MNIST_SIZE - right)
    return np.roll(image, shift, axis=(0, 1))


def shrink_only(image: np.ndarray) -> np.ndarray:
    """The drawing merely shrunk to 28x28 (anti-aliased), without MNIST's cropping and centring.

    For comparison only: this is what a network sees when the preparation step is skipped.
    """
    check_ink(image)
    small = Image.fromarray(np.asarray(image, dtype=np.uint8)).resize(
        (MNIST_SIZE, MNIST_SIZE), Image.Resampling.LANCZOS
    )
    return (np.asarray(small, dtype=np.float32) / 255.0).reshape(1, MNIST_SIZE * MNIST_SIZE)
