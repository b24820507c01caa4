"""Your own dataset: scikit-learn's 1,797 handwritten digits (8 × 8 pixels, 16 grey levels) as a csrae plugin.

Name this file in the workflow config (``plugins: [docs/examples/digits.py]``) and the dataset ``digits``
under ``datasets`` (with its ``latent_dim``): it is prepared, trained on, evaluated (FID on the features
of a classifier trained on its own labels, the kNN study) and reported like the package's datasets.
"""

import numpy as np
from sklearn.datasets import load_digits

from csrae.data import register_dataset


def digit_arrays(source):
    """Train, validation and test splits (1,297 / 250 / 250), pixels scaled to [0, 1]; ``source`` is unused:
    the digits ship with scikit-learn."""
    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    x, y = (digits.data[order] / 16.0).astype(np.float32), digits.target[order]
    splits = {"train": slice(0, 1297), "val": slice(1297, 1547), "test": slice(1547, None)}
    return {f"{kind}_{split}": array[rows] for split, rows in splits.items() for kind, array in (("x", x), ("y", y))}


register_dataset(
    "digits", digit_arrays, architecture="mlp300", likelihood="bernoulli", labelled=True, image_shape=(1, 8, 8),
    binarize=True, fid_classifier="digits",
)  # fmt: skip
