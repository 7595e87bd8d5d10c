"""User data in the command's errors and notes is escaped and cut short: a binary file given as
CSV never sends raw bytes, nor hundreds of characters of them, to the terminal."""

from __future__ import annotations

import random

import pytest

from streamad._quote import quote, quote_list
from streamad.cli import main
from streamad.cli.errors import one_line

#: Bytes of a binary file that are neither a comma nor a line end: one long CSV field.
GARBAGE = bytes(b for b in range(256) if b not in b'\n\r,"')


def _binary(path, fields: int = 1, seed: int = 0):
    rng = random.Random(seed)
    lines = [b",".join(bytes(rng.choices(GARBAGE, k=600)) for _ in range(fields)) for _ in "ab"]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def _shown_safely(line: str) -> None:
    assert line.isprintable(), line
    assert "\ufffd" not in line and len(line) < 320, line


CASES = {
    "a cell under a binary header": ([], "is not a number"),
    "no label column among binary names": (["--label", "nope"], "no label column 'nope'"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_binary_file_gives_a_short_escaped_error(case, tmp_path, capsys):
    args, fragment = CASES[case]
    path = _binary(tmp_path / "data.bin", fields=40 if args else 1)
    code = main(["replay", "--csv", path, *args, "--quiet", "--window", "5", "--hidden", "4"])
    err = [line for line in capsys.readouterr().err.splitlines() if "note:" not in line]
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"streamad: error: {path}") and fragment in err[0]
    _shown_safely(err[0])
    assert "'..." in err[0]  # a name or a cell cut short, and said so


def test_repeated_names_are_escaped(tmp_path, capsys):
    name = "\x1b[31m" * 40  # a terminal's colour code, 40 times
    path = tmp_path / "repeated.csv"
    path.write_text(f"{name},{name},b\n1,2,3\n")
    assert main(["replay", "--csv", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "appear more than once" in err and "\\x1b[31m" in err
    _shown_safely(err.rstrip("\n"))


def test_quote_escapes_and_cuts():
    assert quote("cpu") == "'cpu'"
    assert quote("a\x00\u202eb\ufffd") == "'a\\x00\\u202eb\\ufffd'"
    long = quote("é" * 1000)
    assert long == "'" + "é" * 80 + "'..."
    assert len(quote("\x00" * 1000)) <= 80 + 5  # escapes count towards the limit
    assert quote_list(map(str, range(1000))).endswith(", ... (1,000 in all)")


def test_every_message_is_one_escaped_line_of_bounded_length():
    message = "bad\x07 " + "x" * 10_000 + "\n: restore it"
    line = one_line(message)
    assert line.startswith("bad\\x07 xxx") and line.endswith("xxx : restore it")
    assert len(line) <= 1000 and line.isprintable()
