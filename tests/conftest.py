import pytest

from csrae.data import prepare_dataset


@pytest.fixture(scope="session")
def pinwheel_dir(tmp_path_factory):
    """The pinwheel dataset prepared on disk."""
    directory = tmp_path_factory.mktemp("pinwheel")
    prepare_dataset("pinwheel").save(directory)
    return directory
