"""Command-line options of any value: a usage error naming the option or a clean one-line error,
never a traceback and never the catch-all "unexpected internal error"."""

from __future__ import annotations

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thg.cli import main

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

numbers = st.one_of(st.integers(-10**30, 10**30).map(str), st.floats().map(repr), st.floats(0, 100).map(repr),
                    st.sampled_from(["", "nan", "-inf", "1e308", "0x10", "1_000", "٣", " 5 ", "1" * 500]))
#: what a shell can pass: any text but NUL (argv strings end at it), undecodable bytes included
argv_text = st.text(st.characters(blacklist_characters="\x00"), max_size=12) | st.binary(max_size=6).map(
    lambda b: b.replace(b"\0", b"").decode("utf-8", "surrogateescape"))
values = numbers | argv_text
OPTIONS = ["--fps", "--size", "--expression-scale", "--head-motion", "--blink", "--seed", "--face-index",
           "--emotion", "--lang", "--max-megapixels", "--max-seconds", "--fit", "--text"]


def _check(result, tmp_path) -> None:
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output and "unexpected internal error" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav"]     # nothing written


@FUZZ
@given(options=st.lists(st.tuples(st.sampled_from(OPTIONS), values), min_size=1, max_size=3),
       name=st.sampled_from(["o.mp4", "o.webm", "-", "dir/", "o"]) | argv_text)
def test_generate_options(tmp_path, options, name):
    """The audio is not a speech file, so a run that gets past every check stops at it (exit 1)."""
    (tmp_path / "in.wav").write_bytes(b"RIFF")
    args = ["generate", "-i", str(tmp_path / "no.png"), "-a", str(tmp_path / "in.wav"),
            "-o", name if name in ("-",) else str(tmp_path / name)]
    for option, value in options:
        args += [option, value]
    _check(CliRunner().invoke(main, args), tmp_path)


@FUZZ
@given(command=st.sampled_from(["encode", "decode", "track", "reenact"]),
       options=st.lists(st.tuples(st.sampled_from(["--size", "--quality", "--fps", "--input-size", "--smooth",
                                                   "--face-index", "--regions", "--mode", "--max-seconds"]), values),
                        max_size=3))
def test_codec_and_reenact_options(tmp_path, command, options):
    (tmp_path / "in.wav").write_bytes(b"RIFF")
    src = str(tmp_path / "in.wav")
    args = {"encode": ["encode", src, "-o", str(tmp_path / "o.thm")],
            "decode": ["decode", src, "-o", str(tmp_path / "o.mp4")],
            "track": ["track", src, "-o", str(tmp_path / "o.json")],
            "reenact": ["reenact", "-i", src, "-d", src, "-o", str(tmp_path / "o.mp4")]}[command]
    allowed = {p.name for p in __import__("thg.cli").cli.LazyGroup().get_command(None, command).params}
    for option, value in options:
        if option.lstrip("-").replace("-", "_") in allowed:
            args += [option, value]
    _check(CliRunner().invoke(main, args), tmp_path)
