"""Evaluation metrics: Fréchet distance (FID), kNN error, feature extractors."""
