"""Face datasets in csrae's layout: index checks, subject-independent folds, crops, the Table VI networks."""

import numpy as np
import pytest
import torch
from PIL import Image

from csrae.data import DatasetFileError
from csrae.data.face_frames import FaceFrames
from csrae.data.faces import fold_split, read_index, subject_folds
from csrae.networks import face_decoder, face_encoder
from csrae.semisupervised.data import face_split
from tests.fixtures import write_faces


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    root = tmp_path_factory.mktemp("disfa")
    write_faces(root, "disfa", subjects=6, frames=10)
    return root


def test_index_is_read_with_binary_labels(faces):
    index = read_index("disfa", faces)
    assert len(index.frames) == 60 and index.intensities.shape == (60, 8)
    np.testing.assert_array_equal(index.labels, index.intensities >= 2)
    assert set(np.unique(index.intensities)) <= set(range(6))


def rewrite_index(root, change):
    lines = (root / "index.csv").read_text().splitlines()
    (root / "index.csv").write_text("\n".join(change(lines)) + "\n")


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda lines: [lines[0].replace(",AU9", ",AU09")] + lines[1:], "lacks the column(s) AU9"),
        (lambda lines: [lines[0].replace("subject", "person")] + lines[1:], "lacks the column(s) subject"),
        (lambda lines: lines[:3] + [lines[3].rsplit(",", 1)[0] + ",7"] + lines[4:], "line 4, column AU26: '7'"),
        (
            lambda lines: lines[:2] + [",".join([*lines[2].split(",")[:2], "x", *lines[2].split(",")[3:]])] + lines[3:],
            "line 3, column AU1: 'x'",
        ),
        (lambda lines: lines + [lines[1]], "lists 1 frame(s) more than once"),
        (lambda lines: lines[:1], "has no rows"),
        (lambda lines: [lines[0]] + [line for line in lines[1:] if ",S00," in line or ",S01," in line], "2 subject"),
    ],
)
def test_malformed_index_is_refused_naming_the_column_or_row(tmp_path, change, message):
    write_faces(tmp_path, "disfa", subjects=3, frames=2)
    rewrite_index(tmp_path, change)
    with pytest.raises(DatasetFileError) as error:
        read_index("disfa", tmp_path)
    assert message in str(error.value)


def test_missing_index_and_frames_say_where_and_what(tmp_path):
    with pytest.raises(DatasetFileError, match=r"index.csv is missing.*licensed.*frame, subject, AU6, AU10"):
        read_index("fera2015", tmp_path)
    write_faces(tmp_path, "fera2015", subjects=3, frames=2)
    (tmp_path / "subject1" / "frame0001.png").unlink()
    with pytest.raises(DatasetFileError, match="1 frame.s. listed in .* are missing, e.g. .*subject1/frame0001.png"):
        read_index("fera2015", tmp_path)


def test_wrong_frame_size_is_refused(tmp_path):
    write_faces(tmp_path, "disfa", subjects=3, frames=2)
    Image.new("RGB", (200, 180)).save(tmp_path / "subject0" / "frame0000.png")
    frames = FaceFrames(read_index("disfa", tmp_path))
    with pytest.raises(DatasetFileError, match="is 200×180; the layout's frames are aligned 256×256"):
        frames.centred([0])


def test_folds_are_subject_independent_and_partition_the_frames(faces):
    index = read_index("disfa", faces)
    folds = subject_folds(index.subjects)
    assert np.bincount(folds).tolist() == [20, 20, 20]  # six subjects, two per fold
    tested = []
    for fold in range(3):
        split = fold_split(index, fold)
        assert set(index.subjects[split["test"]]).isdisjoint(index.subjects[np.r_[split["train"], split["val"]]])
        assert len(split["val"]) == 4 and len(split["train"]) == 36
        assert len(np.unique(np.concatenate(list(split.values())))) == 60
        tested.append(split["test"])
    assert sorted(np.concatenate(tested).tolist()) == list(range(60))


def test_labelled_fraction_of_training_frames(faces):
    split = face_split(read_index("disfa", faces), fold=1, fraction=0.25, seed=3)
    assert len(split.labelled) == 9 and len(split.unlabelled) == 27
    assert split.labels.multi_label and split.label_names[0] == "AU1" and split.y["test"].shape == (20, 8)


def test_crops_flips_and_rotations_stay_on_the_pixel_grid(faces):
    index = read_index("disfa", faces)
    frames = FaceFrames(index)
    image = np.asarray(Image.open(faces / index.frames[0]))
    centre = frames.centred([0]).reshape(3, 224, 224).permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(centre * 255, image[16:240, 16:240])
    first = frames.augmented([0, 1, 2], torch.Generator().manual_seed(0))
    again = frames.augmented([0, 1, 2], torch.Generator().manual_seed(0))
    torch.testing.assert_close(first, again, rtol=0, atol=0)
    assert first.shape == (3, 3 * 224 * 224)
    np.testing.assert_allclose((first * 255).numpy(), np.round((first * 255).numpy()), atol=1e-4)


def test_face_networks_map_crops_and_frames_through_a_one_by_one_code():
    encoder = face_encoder()
    for side in (224, 256):
        assert encoder(torch.zeros(2, 3, side, side)).shape == (2, 512)
    assert face_decoder(40 + 256, 6, 224)(torch.zeros(2, 296)).shape == (2, 6, 224, 224)
