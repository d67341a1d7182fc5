"""A cached table is verified against the digest recorded when it was written (issue 18 item 6).

The case as written: a cached referrals table rewritten without one district was served, and
1,700 referrals became 1,386 with exit 0. Now the entry fails its digest, the file is read
afresh (1,700 again) and the terminal says so.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pytest

from wscb_analysis import config
from wscb_analysis.cli import main
from wscb_analysis.io import cache, read
from wscb_analysis.io.load import flush_cache_writes, load_source

#: Referrals in 2016-17 by district; 1,700 in all, 314 of them in Rugby (1,700 - 314 = 1,386).
DISTRICTS = {"Rugby": 314, "Warwick": 400, "Stratford-on-Avon": 386,
             "Nuneaton and Bedworth": 300, "North Warwickshire": 300}


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch):
    """This test's own key file, and fingerprints trusted at once (tests write and read within
    milliseconds; the two-second guard is for people editing by hand)."""
    monkeypatch.setattr(cache, "KEY_FILE", tmp_path / "key" / "cache-key")
    monkeypatch.setattr(read, "RACY_SECONDS", 0)


def referrals(folder) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["Child Unique ID,Date of referral,District"]
    n = 0
    for district, count in DISTRICTS.items():
        for _ in range(count):
            day = date(2016, 4, 1) + timedelta(days=n % 365)  # all within 2016-17
            lines.append(f"C{n},{day:%d/%m/%Y},{district}")
            n += 1
    (folder / "referrals.csv").write_text("\n".join(lines) + "\n")


def entry(source: str = "referrals"):
    (folder,) = [p for p in config.PROCESSED_DIR.glob(f"{source}-*") if p.is_dir()]
    return folder


def without_rugby(folder) -> None:
    """Rewrite the cached table as an attacker with write access to the cache would."""
    path = folder / "data.arrow"
    table = ipc.open_file(pa.memory_map(str(path))).read_all()
    table = table.filter(pc.not_equal(table["district"], "Rugby"))
    (folder / "new.arrow").write_bytes(b"")
    with pa.OSFile(str(folder / "new.arrow"), "wb") as sink, \
            ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    (folder / "new.arrow").replace(path)


def referrals_in_2016_17(capsys, folder) -> tuple[int, str]:
    assert main(["figures", "--data-dir", str(folder), "--period", "2016-17"]) == 0
    out = capsys.readouterr()
    return json.loads(out.out)["referrals"]["referrals"], out.err


def test_the_tampered_cache_as_written_is_read_afresh_and_said(tmp_path, capsys):
    folder = tmp_path / "extract"
    referrals(folder)
    assert referrals_in_2016_17(capsys, folder)[0] == 1700
    flush_cache_writes()
    assert load_source(folder / "referrals.csv", "referrals").from_cache  # the cache is used
    without_rugby(entry())
    count, err = referrals_in_2016_17(capsys, folder)
    assert count == 1700  # not 1,386
    assert ("wscb figures: warning: the cached table of referrals.csv (referrals) was changed "
            "after it was written; it was not used, and the file was read afresh") in err
    # The fresh result replaced the entry: the next run uses the cache again, and says nothing.
    flush_cache_writes()
    assert load_source(folder / "referrals.csv", "referrals").from_cache
    assert referrals_in_2016_17(capsys, folder) == (1700, "")


def test_a_changed_record_is_caught_too(tmp_path, caplog):
    folder = tmp_path / "extract"
    referrals(folder)
    load_source(folder / "referrals.csv", "referrals")
    flush_cache_writes()
    meta = entry() / "meta.json"
    record = json.loads(meta.read_text())
    record["rows_in"] = 1386  # the accounting line would no longer add up to the file
    meta.write_text(json.dumps(record))
    with caplog.at_level(logging.WARNING, logger="wscb_analysis"):
        r = load_source(folder / "referrals.csv", "referrals")
    assert not r.from_cache and r.rows_in == 1700
    assert "was changed after it was written" in caplog.text


def test_a_pointer_to_another_files_entry_is_not_followed(tmp_path, caplog):
    """A file's fingerprint pointed at another input's hash would serve that input's table."""
    folder = tmp_path / "extract"
    referrals(folder)
    path = folder / "referrals.csv"
    first = load_source(path, "referrals")
    flush_cache_writes()
    (pointer,) = (config.PROCESSED_DIR / "hashes").iterdir()
    sha, mac, ident = pointer.read_text().split()
    assert sha == first.input_hash
    pointer.write_text(f"{'0' * 64} {mac} {ident}")
    with caplog.at_level(logging.WARNING, logger="wscb_analysis"):
        r = load_source(path, "referrals")
    assert r.input_hash == first.input_hash and r.rows_kept == 1700
    assert "record of referrals.csv was changed" in caplog.text


def test_an_entry_written_under_another_key_is_read_afresh_quietly(tmp_path, monkeypatch,
                                                                    caplog):
    folder = tmp_path / "extract"
    referrals(folder)
    load_source(folder / "referrals.csv", "referrals")
    flush_cache_writes()
    monkeypatch.setattr(cache, "KEY_FILE", tmp_path / "another user" / "cache-key")
    with caplog.at_level(logging.WARNING, logger="wscb_analysis"):
        r = load_source(folder / "referrals.csv", "referrals")
    assert not r.from_cache and r.rows_kept == 1700
    assert caplog.text == ""


def test_the_key_is_the_users_alone(tmp_path):
    cache.digest(b"x")
    key = cache.KEY_FILE
    assert key.stat().st_mode & 0o077 == 0 and len(key.read_bytes()) == 32
    assert not key.is_relative_to(config.PROCESSED_DIR)
