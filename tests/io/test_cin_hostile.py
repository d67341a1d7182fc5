"""Hostile XML named like a census return is refused in bounded time and memory, with a
message naming the file: an entity bomb, external entities, a 100 MB text node, deep nesting.
"""

from __future__ import annotations

import resource
import time

import pytest

from tests.io.cin_returns import RETURN_2018
from wscb_analysis.cli import main
from wscb_analysis.io.load import load_extract

BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE Message [\n <!ENTITY a "aaaaaaaaaa">\n'
        + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n'
                  for i in range(9))
        + "]>\n<Message><Header><CollectionDetails><ReferenceDate>&j;</ReferenceDate>"
          "</CollectionDetails></Header><Children/></Message>\n")
EXTERNAL = ('<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY x SYSTEM "file:///etc/passwd">'
            '<!ENTITY y SYSTEM "http://example.invalid/y">]>\n'
            "<Message><Children><Child>&x;&y;</Child></Children></Message>\n")


def _refused(tmp_path, name: str, content: bytes | str) -> tuple[str, float]:
    folder = tmp_path / "x"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    started = time.perf_counter()
    extract = load_extract(folder, use_cache=False)
    seconds = time.perf_counter() - started
    problems = extract.sources["referrals"].problems
    assert problems and not extract.usable
    return problems[0], seconds


def test_entity_bomb_is_refused_before_parsing(tmp_path):
    # Ten levels of ten-fold entities: 10^10 characters if expanded.
    message, seconds = _refused(tmp_path, "bomb.xml", BOMB)
    assert message.startswith("bomb.xml: it declares a document type")
    assert seconds < 5


def test_external_entities_are_refused(tmp_path):
    message, _ = _refused(tmp_path, "ext.xml", EXTERNAL)
    assert message.startswith("ext.xml: it declares a document type")
    assert "root:" not in message  # /etc/passwd was not read into anything


def test_a_dtd_behind_a_long_prologue_is_refused_by_the_parser_check(tmp_path):
    # 100 KB of comments push the declaration past what the first look reads (64 KB): the
    # parser never expands entities, and the declaration is caught when parsing begins.
    content = BOMB.replace('<?xml version="1.0"?>\n', '<?xml version="1.0"?>\n'
                           + "<!-- padding -->\n" * 6000)
    message, seconds = _refused(tmp_path, "late.xml", content)
    # libxml2's own limit on entity amplification stops it, in the declaration.
    assert message.startswith("late.xml: it declares a document type")
    assert seconds < 5


def test_a_100_mb_text_node_is_refused_in_bounded_memory(tmp_path):
    head, tail = RETURN_2018.split("<LAchildID>C3</LAchildID>")
    content = (head + "<LAchildID>").encode() + b"x" * (100 * 2**20) + \
        ("</LAchildID>" + tail).encode()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    message, seconds = _refused(tmp_path, "big.xml", content)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert message.startswith("big.xml: it holds a text value of more than 10,000,000 "
                              "characters")
    assert seconds < 20
    # libxml2 stops at 10 million characters: the file's 100 MB is never held (the peak may
    # already be higher from earlier tests, so this bounds the growth, not the level).
    assert grown < 200 * 1024


def test_deep_nesting_is_refused(tmp_path):
    depth = 100_000
    content = (RETURN_2018.replace("</Children>", "<Child>" + "<x>" * depth + "</x>" * depth
                                   + "</Child></Children>"))
    message, seconds = _refused(tmp_path, "deep.xml", content)
    assert message.startswith("deep.xml: its elements nest more than 256 deep")
    assert seconds < 10


@pytest.mark.parametrize("content", [b"\x00\x01 not xml at all", "<Message><Children>"])
def test_not_xml_or_cut_short(tmp_path, content):
    folder = tmp_path / "y"
    folder.mkdir()
    (folder / "r.xml").write_bytes(content if isinstance(content, bytes) else content.encode())
    extract_or_error = None
    try:
        extract_or_error = load_extract(folder, use_cache=False)
    except Exception as exc:  # noqa: BLE001 - the message is what is checked
        extract_or_error = exc
    text = str(extract_or_error) if isinstance(extract_or_error, Exception) else \
        " ".join(extract_or_error.problems())
    assert "r.xml" in text


def test_cli_exit_code_and_message(tmp_path, capsys):
    folder = tmp_path / "z"
    folder.mkdir()
    (folder / "bomb.xml").write_text(BOMB)
    assert main(["figures", "--data-dir", str(folder), "--period", "2017-18",
                 "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert "bomb.xml: it declares a document type" in err and "Traceback" not in err
