"""kNN classification error on latent samples (paper Sec. 4.4, Table II)."""

import numpy as np


def knn_errors(
    train_z: np.ndarray, train_y: np.ndarray, test_z: np.ndarray, test_y: np.ndarray, ks=(3, 5, 10)
) -> dict[int, float]:
    """Test error (in %) of a k-nearest-neighbour classifier fitted on training latents, per k.

    One neighbour search with the largest k serves every k: each prediction is
    the majority label of the first k neighbours, ties going to the smallest
    label, as scikit-learn's ``KNeighborsClassifier`` decides.
    """
    from sklearn.neighbors import NearestNeighbors  # imported here: scikit-learn takes a second to load

    classes, train_index = np.unique(train_y, return_inverse=True)
    neighbours = NearestNeighbors(n_neighbors=max(ks)).fit(train_z).kneighbors(test_z, return_distance=False)
    votes = np.zeros((len(test_z), len(classes)), dtype=np.int64)
    rows = np.arange(len(test_z))
    errors, done = {}, 0
    for k in sorted(ks):
        for column in range(done, k):
            np.add.at(votes, (rows, train_index[neighbours[:, column]]), 1)
        done = k
        errors[k] = 100.0 * float(np.mean(classes[votes.argmax(axis=1)] != test_y))
    return {k: errors[k] for k in ks}
