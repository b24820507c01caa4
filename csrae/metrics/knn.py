"""kNN classification error on latent samples (paper Sec. 4.4, Table II)."""

import numpy as np
from sklearn.neighbors import KNeighborsClassifier


def knn_errors(
    train_z: np.ndarray, train_y: np.ndarray, test_z: np.ndarray, test_y: np.ndarray, ks=(3, 5, 10)
) -> dict[int, float]:
    """Test error (in %) of a k-nearest-neighbour classifier fitted on training latents, per k."""
    errors = {}
    for k in ks:
        classifier = KNeighborsClassifier(n_neighbors=k).fit(train_z, train_y)
        errors[k] = 100.0 * float(np.mean(classifier.predict(test_z) != test_y))
    return errors
