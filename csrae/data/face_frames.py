"""Frames of a face dataset (:mod:`csrae.data.faces`) as tensors: read, cropped and augmented on the fly."""

import functools
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from PIL import Image

from csrae.data.download import DatasetFileError
from csrae.data.faces import CROP, FRAME_SIZE, MAX_ROTATION, FaceIndex


class FaceFrames:
    """Frames of a :class:`FaceIndex` as flat ``[n, 3·224·224]`` tensors in [0, 1], augmented for training.

    It stands in for a prepared :class:`csrae.data.Dataset` when building
    models (name, likelihood, architecture, image shape).
    """

    likelihood, architecture = "logistic", "face_conv"

    def __init__(self, index: FaceIndex, crop: int = CROP, threads: int | None = None):
        self.index, self.crop, self.name = index, crop, index.dataset
        self.image_shape = (3, crop, crop)
        self.threads = threads or min(8, os.cpu_count() or 1)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A hash of the index (frame names, subjects, intensities) and the crop: part of a run's identity.
        The frames' pixels are not read: a changed frame under an unchanged name is not noticed."""
        digest = hashlib.sha256(json.dumps([self.name, self.crop, self.index.frames]).encode())
        for array in (self.index.subjects, self.index.intensities):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]

    @property
    def data_dim(self) -> int:
        return 3 * self.crop * self.crop

    def _read(self, i: int) -> Image.Image:
        path = self.index.root / self.index.frames[i]
        try:
            image = Image.open(path).convert("RGB")
        except OSError as error:
            raise DatasetFileError(f"cannot read frame {path} as an image: {error}") from error
        if image.size != (FRAME_SIZE, FRAME_SIZE):
            raise DatasetFileError(
                f"frame {path} is {image.size[0]}×{image.size[1]}; the layout's frames are aligned "
                f"{FRAME_SIZE}×{FRAME_SIZE} faces (README, 'Facial action units')"
            )
        return image

    def _load(self, items: list[tuple[int, int, int, bool, float]]) -> torch.Tensor:
        def one(item):
            i, top, left, flip, angle = item
            image = self._read(i)
            if angle:
                image = image.rotate(angle, resample=Image.NEAREST)
            pixels = np.asarray(image)[top : top + self.crop, left : left + self.crop]
            return pixels[:, ::-1] if flip else pixels

        with ThreadPoolExecutor(self.threads) as pool:
            pixels = np.stack(list(pool.map(one, items)))
        x = torch.from_numpy(pixels.transpose(0, 3, 1, 2).copy()).float() / 255.0
        return x.reshape(len(items), -1)

    def augmented(self, indices, generator: torch.Generator) -> torch.Tensor:
        """Training frames: random crop, horizontal flip, rotation (parameters from ``generator``)."""
        n, margin = len(indices), FRAME_SIZE - self.crop
        offsets = torch.randint(0, margin + 1, (n, 2), generator=generator).tolist()
        flips = (torch.rand(n, generator=generator) < 0.5).tolist()
        angles = ((torch.rand(n, generator=generator) * 2 - 1) * MAX_ROTATION).tolist()
        items = zip(indices, offsets, flips, angles)
        return self._load([(int(i), top, left, flip, angle) for i, (top, left), flip, angle in items])

    def centred(self, indices) -> torch.Tensor:
        """Validation and test frames: the central crop."""
        margin = (FRAME_SIZE - self.crop) // 2
        return self._load([(int(i), margin, margin, False, 0.0) for i in indices])
