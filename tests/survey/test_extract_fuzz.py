"""Hostile LaTeX sources: .tex files, folders and archives (.tar, .tar.gz/.bz2/.xz, .zip, a gzipped .tex)
with links, devices, names like ``../../x.tex``, sizes that lie, non-UTF-8 text, \\input cycles and
random damage give a clean one-line thg error naming the source, or LaTeX that the extractor reads —
never another exception, and nothing is ever written, inside the source's folder or outside it."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import tarfile
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thg.cli import main
from thg.errors import ThgError
from thg.survey import extract
from thg.survey.extract import extract_tex, list_sources, read_tex_source

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FEW = settings(FUZZ, max_examples=30)

#: member names: ordinary, escaping the folder (relative and absolute), odd and empty
_NAMES = ["main.tex", "exp.tex", "sec/exp.tex", "MAIN.TEX", "../../escape.tex", "/thg-fuzz-abs/escape.tex",
          "./dot.tex", "a/../../up.tex", "sub/", "figure.png", "ünï.tex", "x" * 150 + ".tex", "a\\b.tex", ".tex", ""]
_PIECES = ["\\documentclass{article}", "\\begin{document}", "\\section{Experiments}", "\\section{Method}",
           "We train on VoxCeleb2 and test on HDTF.", "We report PSNR, SSIM and LSE-C.", "\\input{exp}",
           "\\input{sec/exp}", "\\include{main}", "\\input{../../escape}", "\\input{", "% \\input{exp}", "\\appendix",
           "\\end{document}", "{", "}", "$", "\\\\", "&", "\\cite[", "\\textbf{", "\n\n"]
_latex = st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=8).map(" ".join)
_content = st.one_of(_latex.map(str.encode), _latex.map(str.encode), _latex.map(lambda t: t.encode("utf-16")),
                     st.binary(max_size=48), st.sampled_from([b"", b"%PDF-1.5\n", b"\x1f\x8b\x08\x00", b"\xff\xfe\x00"]))
#: a member: name, kind, content, and the size its header declares (None: the true size)
_member = st.tuples(st.sampled_from(_NAMES),
                    st.sampled_from(["file"] * 6 + ["dir", "symlink", "hardlink", "fifo", "chardev"]), _content,
                    st.none() | st.none() | st.sampled_from([0, 1, 10**4, 2**33]))
_CONTAINERS = ["tar", "tar.gz", "tar.bz2", "tar.xz", "zip", "gz", "tex", "folder"]
_damage = st.lists(st.tuples(st.integers(0, 10**5), st.sampled_from(["flip", "cut", "insert"]),
                             st.binary(min_size=1, max_size=4)), max_size=2)


def _tar(members, compress: str) -> bytes:
    """A tar built block by block, so that headers can declare any size and any kind of member."""
    out = io.BytesIO()
    for name, kind, data, declared in members:
        info = tarfile.TarInfo(name)
        info.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                     "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE, "chardev": tarfile.CHRTYPE}[kind]
        if kind in ("symlink", "hardlink"):
            info.linkname = "/etc/hostname" if len(data) % 2 else "main.tex"
        body = data if kind == "file" else b""
        info.size = len(body) if declared is None else declared
        out.write(info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape"))
        out.write(body + b"\0" * (-len(body) % 512))
    out.write(b"\0" * 1024)
    raw = out.getvalue()
    return {"tar": lambda b: b, "tar.gz": gzip.compress, "tar.bz2": bz2.compress, "tar.xz": lzma.compress}[compress](raw)


def _zip(members, method: int, encrypted: bool) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")             # "Duplicate name": two members of one name, on purpose
        for name, kind, data, _ in members:
            info = zipfile.ZipInfo(name + "/" if kind == "dir" and not name.endswith("/") else name or "noname")
            info.compress_type = method
            if kind == "symlink":
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, b"" if kind == "dir" else data)
            if encrypted:     # the flag a password sets, written into the central directory at close
                info.flag_bits |= 0x1
    return out.getvalue()


def _damaged(data: bytes, edits) -> bytes:
    buf = bytearray(data)
    for pos, kind, blob in edits:
        pos %= len(buf) + 1
        if kind == "flip" and pos < len(buf):
            buf[pos] ^= blob[0] or 1
        elif kind == "cut":
            del buf[pos:]
        elif kind == "insert":
            buf[pos:pos] = blob
    return bytes(buf)


def _make(folder: Path, container: str, members, damage, method: int = zipfile.ZIP_DEFLATED,
          encrypted: bool = False) -> Path:
    """The source under ``folder`` (one archive, .tex file or source folder)."""
    if container == "folder":
        src = folder / "paper"
        src.mkdir()
        for name, kind, data, _ in members:
            if not name or name.startswith("/") or ".." in name.split("/") or name.endswith("/"):
                continue                                    # a folder on disk holds only names inside it
            path = src / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() or path.is_symlink():
                continue
            if kind == "symlink":
                path.symlink_to("/etc/hostname" if len(data) % 2 else src / "main.tex")
            elif kind == "fifo":
                os.mkfifo(path)
            elif kind == "dir":
                path.mkdir()
            else:
                path.write_bytes(data)
        return src
    if container == "tex":
        data = b"".join(m[2] for m in members)
    elif container == "gz":
        data = gzip.compress(b"".join(m[2] for m in members))
    elif container == "zip":
        data = _zip(members, method, encrypted)
    else:
        data = _tar(members, container)
    path = folder / f"2301.00001.{container}"
    path.write_bytes(_damaged(data, damage))
    return path


def _tree(root: Path, *, folder_times: bool = True) -> dict[str, tuple]:
    """Every path under ``root`` with its kind, size and modification time (a folder's changes when
    anything was made in it, even if removed again; ``folder_times=False`` leaves those out)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st_ = p.lstat()
            kind = stat.S_IFMT(st_.st_mode)
            out[str(p)] = (kind, st_.st_size, st_.st_mtime_ns if folder_times or kind != stat.S_IFDIR else 0)
    return out


_OUTSIDE = ["/thg-fuzz-abs", "/escape.tex", "/up.tex"]


def _read(source: Path) -> None:
    """``source`` reads as LaTeX that the extractor takes, or gives a one-line ThgError that names it."""
    try:
        text = read_tex_source(source)
    except ThgError as e:
        assert "\n" not in str(e) and str(source) in str(e), str(e)
        return
    assert isinstance(text, str) and len(text) <= extract._MAX_SOURCE_BYTES + extract._MAX_MEMBERS
    extract_tex(text).to_record("2301.00001")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working folder two levels below ``tmp_path``: ``../../x`` from it still lands in ``tmp_path``."""
    cwd = tmp_path / "cwd" / "deeper"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    return tmp_path


def _case_folder(root: Path) -> Path:
    n = len(list(root.glob("case*")))
    folder = root / f"case{n}"
    folder.mkdir()
    return folder


@FUZZ
@given(container=st.sampled_from(_CONTAINERS), members=st.lists(_member, max_size=5), damage=_damage,
       method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]),
       encrypted=st.booleans())
def test_any_source_is_latex_or_one_clean_error_and_nothing_is_written(workdir, container, members, damage, method,
                                                                       encrypted):
    folder = _case_folder(workdir)
    source = _make(folder, container, members, damage if container != "folder" else [], method,
                   encrypted and container == "zip")
    before = _tree(workdir)
    _read(source)
    try:                       # the folder as `thg survey extract --input` lists it: one paper or many
        sources = list_sources(folder)
    except ThgError as e:
        assert "\n" not in str(e)
        sources = []
    for _, src in sources:
        _read(src)
    assert _tree(workdir) == before                      # nothing written beside the source, nor in the cwd
    assert not any(Path(p).exists() for p in _OUTSIDE) and not (workdir.parent / "escape.tex").exists()


@FEW
@given(files=st.dictionaries(st.sampled_from(["main.tex", "exp.tex", "sec/exp.tex", "ünï.tex", "b.tex"]),
                             _latex.map(str.encode), min_size=1, max_size=4))
def test_every_container_reads_like_the_unpacked_folder(workdir, files):
    """Undamaged, the same files read the same from a folder, a tar (plain, gzip, bzip2, xz) and a zip."""
    members = [(name, "file", data, None) for name, data in sorted(files.items())]
    folder = _case_folder(workdir)
    texts = {}
    for container in ["folder", "tar", "tar.gz", "tar.bz2", "tar.xz", "zip"]:
        (folder / container).mkdir()
        try:
            texts[container] = read_tex_source(_make(folder / container, container, members, []))
        except ThgError as e:       # only a source with nothing but blank files may be refused, and by all
            texts[container] = "refused" if "is empty" not in str(e) else "empty"
    assert len(set(texts.values())) == 1, texts


@FEW
@given(names=st.lists(st.sampled_from(["main", "a", "b", "sec/c", "c"]), min_size=1, max_size=6),
       fanout=st.integers(1, 400), container=st.sampled_from(["tar.gz", "zip", "folder"]))
def test_input_cycles_and_fanout_stay_small(workdir, names, fanout, container):
    """Files that \\input each other (and themselves) hundreds of times: each is pasted once, so the
    text stays as long as the files, however the inputs are wired."""
    files = {}
    for i, name in enumerate(names):
        targets = names[i:] + names[:i]
        body = "".join(f"\\input{{{t}}}" for t in targets) * fanout
        files[f"{name}.tex"] = (("\\documentclass{article}" if name == "main" else "") + f"<{name}>" + body).encode()
    members = [(n, "file", d, None) for n, d in files.items()]
    source = _make(_case_folder(workdir), container, members, [])
    text = read_tex_source(source)
    assert len(text) <= sum(len(d) + 1 for d in files.values())
    for name in set(names):
        assert text.count(f"<{name}>") <= 1


def _stream_of_zeros(n: int):
    class Zeros(io.RawIOBase):
        def readinto(self, b):
            nonlocal n
            k = min(len(b), n)
            b[:k] = bytes(k)
            n -= k
            return k

        def readable(self):
            return True
    return io.BufferedReader(Zeros())


def _bomb(path: Path, unpacked: int) -> None:
    """A .tar.gz of ``unpacked`` bytes of zeros (a data file) followed by a small main.tex."""
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("data.bin")
        info.size = unpacked
        tar.addfile(info, _stream_of_zeros(unpacked))
        tex = b"\\documentclass{article}\\section{Experiments} We test on HDTF."
        info = tarfile.TarInfo("main.tex")
        info.size = len(tex)
        tar.addfile(info, io.BytesIO(tex))


def _links_only(path: Path) -> None:
    path.write_bytes(_tar([("main.tex", "symlink", b"x", None), ("exp.tex", "hardlink", b"", None),
                           ("../../escape.tex", "symlink", b"x", None), ("dev.tex", "chardev", b"", None)], "tar.gz"))


def _encrypted_zip(path: Path) -> None:
    path.write_bytes(_zip([("main.tex", "file", b"\\documentclass{article}", None)], zipfile.ZIP_STORED, True))


def _with_method(data: bytes, method: int) -> bytes:
    """A zip whose members say they were compressed with ``method`` (local and central headers)."""
    buf = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (i := buf.find(sig, start)) >= 0:
            buf[i + offset:i + offset + 2] = method.to_bytes(2, "little")
            start = i + 4
    return bytes(buf)


def _truncated(path: Path) -> None:
    data = _tar([("main.tex", "file", b"\\documentclass{article}" + b"We test on HDTF. " * 400, None)], "tar.gz")
    path.write_bytes(data[: len(data) // 2])


def _many_members(path: Path) -> None:
    path.write_bytes(_tar([(f"f{i}.txt", "file", b"", None) for i in range(60)], "tar"))


HOSTILE = {   # name: (file name, how to make it, what the one error line says)
    "truncated": ("p.tar.gz", _truncated, "not a readable arXiv e-print archive"),
    "bomb": ("p.tar.gz", lambda p: _bomb(p, 3 << 20), "unpacks to more than 1 MiB"),
    "links only": ("p.tar.gz", _links_only, "holds no .tex file"),
    "huge declared size": ("p.tar", lambda p: p.write_bytes(_tar([("main.tex", "file", b"x", 2**33)], "tar")),
                           "not a readable arXiv e-print archive"),
    "encrypted zip": ("p.zip", _encrypted_zip, "'main.tex' is encrypted"),
    "unknown zip method": ("p.zip", lambda p: p.write_bytes(_with_method(
        _zip([("main.tex", "file", b"\\documentclass{article}", None)], zipfile.ZIP_STORED, False), 99)),
        "not a readable .zip archive"),
    "many members": ("p.tar", _many_members, "holds more than 50 files"),
    "empty": ("p.tar.gz", lambda p: p.write_bytes(b""), "is empty"),
    "pdf": ("2301.00001", lambda p: p.write_bytes(gzip.compress(b"%PDF-1.5\n" + bytes(range(256)))),
            "the e-print is a PDF"),
    "binary tar.gz": ("p.tar.gz", lambda p: p.write_bytes(bytes(range(256)) * 4), "not a readable"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_extract_given_a_hostile_archive_prints_one_error_line(case, workdir, monkeypatch):
    """``thg survey extract`` on each hostile archive: exit 1, one ``Error:`` line naming it, no
    traceback, and nothing written (not even the output folder)."""
    monkeypatch.setattr(extract, "_MAX_UNPACKED_BYTES", 1 << 20)     # the bomb stays small and fast
    monkeypatch.setattr(extract, "_MAX_MEMBERS", 50)
    name, make, message = HOSTILE[case]
    folder = _case_folder(workdir)
    make(folder / name)
    before = _tree(workdir, folder_times=False)
    result = CliRunner().invoke(main, ["survey", "extract", "--input", str(folder / name), "-o", str(folder / "out")])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "unexpected internal error" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0] and str(folder / name) in errors[0], result.output
    assert _tree(workdir, folder_times=False) == before          # the output folder made for the run is gone


@FEW
@given(container=st.sampled_from(["tar.gz", "zip", "gz"]), members=st.lists(_member, min_size=1, max_size=3),
       damage=_damage)
def test_extract_command_on_any_archive(workdir, container, members, damage):
    """End to end: the extractions file, or exit 1 with one ``Error:`` line; never a traceback."""
    folder = _case_folder(workdir)
    source = _make(folder, container, members, damage)
    result = CliRunner().invoke(main, ["survey", "extract", "--input", str(source), "-o", str(folder / "out")])
    assert "Traceback" not in result.output and "unexpected internal error" not in result.output, result.output
    if result.exit_code == 0:
        assert (folder / "out" / "extractions.jsonl").is_file()
    else:
        assert result.exit_code == 1, result.output
        assert len([line for line in result.output.splitlines() if line.startswith("Error:")]) == 1, result.output
        assert not (folder / "out").exists()
