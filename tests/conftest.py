import pytest

from csrae.data import prepare_dataset


@pytest.fixture(scope="session")
def pinwheel_dir(tmp_path_factory):
    """The pinwheel dataset prepared on disk."""
    directory = tmp_path_factory.mktemp("pinwheel")
    prepare_dataset("pinwheel").save(directory)
    return directory


@pytest.fixture
def kill_after_saves(monkeypatch):
    """``kill_after_saves(n)``: from now on ``RunState.save`` raises KeyboardInterrupt, as a SIGKILL would
    land, once ``n`` checkpoints have been written; ``monkeypatch.undo()`` lets saves through again."""
    from csrae.trainer import RunState

    def arm(saves: int) -> None:
        save, calls = RunState.save, []

        def killed(self, *args):
            if len(calls) == saves:
                raise KeyboardInterrupt
            calls.append(self)
            save(self, *args)

        monkeypatch.setattr(RunState, "save", killed)

    return arm
