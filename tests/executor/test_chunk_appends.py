import pytest

from ledger.errors import StoreError
from ledger.executor.chunk_appends import ChunkAppends


def test_chunks_are_stored_in_the_order_submitted_and_close_waits_for_them() -> None:
    appended: list = []
    appends = ChunkAppends(appended.append)
    for n in range(50):
        appends.submit(lambda n=n: [n])
    appends.close()
    assert appended == [[n] for n in range(50)]


def test_a_chunk_that_cannot_be_stored_is_raised_once_in_the_capture() -> None:
    """A full disk while a chunk is stored surfaces at the next submit (or
    at close), once; chunks submitted after it was raised are stored."""
    appended: list = []

    def full_disk():
        raise StoreError("cannot write: No space left on device")

    appends = ChunkAppends(appended.append)
    appends.submit(full_disk)
    with pytest.raises(StoreError):
        appends.close()
    appends.submit(lambda: ["after"])
    appends.close()
    assert appended == [["after"]]
