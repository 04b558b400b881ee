"""The one atomic writer: only regular files are replaced, never an input, never under a wrong name,
and nothing is left behind when the work fails or the disk does."""

from __future__ import annotations

import errno
import os

import pytest

from thg.errors import InputError, OutputError, OutputExistsError, UsageError
from thg.io.output import atomic_output, check_output_path, check_outputs


def test_devices_and_pipes_are_never_replaced(tmp_path):
    with pytest.raises(InputError, match="not a regular file"):
        check_output_path("/dev/null", overwrite=True)
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        check_output_path(fifo, overwrite=True)
    link = tmp_path / "null.mp4"
    link.symlink_to("/dev/null")
    with pytest.raises(InputError, match="not a regular file"):
        with atomic_output(link, overwrite=True) as tmp:
            tmp.write_bytes(b"x")
    assert os.path.realpath(link) == "/dev/null" and list(tmp_path.iterdir()) != []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null.mp4", "pipe.mp4"]   # no temporary left


def test_an_output_that_is_an_input_is_refused_even_with_overwrite(tmp_path):
    photo = tmp_path / "me.mp4"
    photo.write_bytes(b"precious")
    alias = tmp_path / "alias.mp4"
    os.link(photo, alias)                      # another name, the same file
    for out in (photo, alias, tmp_path / "." / "me.mp4"):
        with pytest.raises(UsageError, match="would destroy the input"):
            check_output_path(out, overwrite=True, inputs=[None, photo])
    assert photo.read_bytes() == b"precious"


@pytest.mark.parametrize("name, message", [
    ("-", "not standard output"), ("newdir/", "names a folder"), ("out.webm", "'.webm'; name it out.mp4"),
    ("out.avi", "'.avi'"), ("out.txt", "'.txt'"), ("out", "no suffix"),
])
def test_names_that_promise_something_else_are_usage_errors(tmp_path, name, message):
    path = name if name == "-" else str(tmp_path / name) + ("/" if name.endswith("/") else "")
    with pytest.raises(UsageError, match=message):
        check_output_path(path, overwrite=False, kind="video")
    assert list(tmp_path.iterdir()) == []


def test_two_outputs_may_not_be_one_file(tmp_path):
    with pytest.raises(UsageError, match="--save-motion .* is also --output"):
        check_outputs({"--output": tmp_path / "a.json", "--save-motion": tmp_path / "./a.json"}, overwrite=True)


def test_failure_and_full_disk_leave_the_old_file_and_no_temporary(tmp_path):
    out = tmp_path / "o.thm"
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_output(out, overwrite=True) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("stage failed")
    with pytest.raises(OutputError, match="o.thm: cannot write the output .No space left on device"):
        with atomic_output(out, overwrite=True):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with pytest.raises(KeyboardInterrupt):          # SIGTERM and SIGHUP arrive as this (thg.cli)
        with atomic_output(out, overwrite=True) as tmp:
            tmp.write_bytes(b"half")
            raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["o.thm"] and out.read_bytes() == b"old"
    with pytest.raises(OutputExistsError):
        check_output_path(out, overwrite=False)


def test_an_unwritable_folder_is_one_line_before_any_work(tmp_path, monkeypatch):
    real_open = os.open

    def refuse(file, *a, **k):
        if str(file).endswith(".part.mp4"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real_open(file, *a, **k)

    monkeypatch.setattr(os, "open", refuse)   # root may write anywhere: simulate the refusal
    with pytest.raises(OutputError, match="cannot write the output .Permission denied"):
        with atomic_output(tmp_path / "o.mp4"):
            pass
    monkeypatch.undo()
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(OutputError, match="is not writable"):
        check_output_path(tmp_path / "o.mp4", overwrite=False)


def test_atomic_output_gives_ordinary_permissions(tmp_path):
    import os

    with atomic_output(tmp_path / "new.txt") as tmp:
        tmp.write_text("done")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_output_keeps_existing_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("precious")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        with atomic_output(target):
            pass
    with pytest.raises(RuntimeError):
        with atomic_output(target, overwrite=True) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_stop_signal_as_the_part_file_is_created_leaves_nothing(tmp_path, monkeypatch):
    """SIGTERM landing the moment the temporary file exists (before another line of the writer
    runs) must not leave that file behind."""
    import signal

    class Stopped(Exception):
        pass

    def stop(signum, frame):
        raise Stopped

    real_open = os.open

    def open_then_signal(file, flags, *args, **kwargs):
        fd = real_open(file, flags, *args, **kwargs)
        if str(file).endswith(".part.mp4"):
            signal.raise_signal(signal.SIGTERM)   # its handler runs before os.open returns
        return fd

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        monkeypatch.setattr(os, "open", open_then_signal)
        with pytest.raises(Stopped):
            with atomic_output(tmp_path / "o.mp4"):
                pass
    finally:
        monkeypatch.undo()
        signal.signal(signal.SIGTERM, previous)
    assert list(tmp_path.iterdir()) == []
