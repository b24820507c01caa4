"""The semi-supervised study (Sec. 3.3, 4.5): M2 with the paper's regularisers, data splits, training."""
