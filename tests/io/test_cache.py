"""The Parquet cache is never stale, the recorded hash is of the bytes parsed, and
``use_cache=False`` leaves the cache alone."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from wscb_analysis import config
from wscb_analysis.io import cache, load, read
from wscb_analysis.io.load import flush_cache_writes, load_extract, load_source
from wscb_analysis.io.read import RawFile, file_fingerprint, fingerprint_is_stable

BEFORE = "Child Unique ID,Date of referral\nA1,05/06/2016\nA2,06/06/2016\n"
AFTER = "Child Unique ID,Date of referral\nB1,07/06/2016\nB2,08/06/2016\n"  # same size


@pytest.fixture
def trusted_at_once(monkeypatch):
    """Trust fingerprints of files written a moment ago (the two-second guard is for people
    editing by hand; tests write and read within milliseconds)."""
    monkeypatch.setattr(read, "RACY_SECONDS", 0)


def test_edit_keeping_size_and_modification_time_is_read_afresh(write_file, trusted_at_once):
    path = write_file("referrals.csv", BEFORE)
    first = load_source(path, "referrals")
    flush_cache_writes()
    assert load_source(path, "referrals").from_cache  # the pointer is in use
    st = path.stat()
    time.sleep(0.05)  # past the file system's timestamp tick
    path.write_text(AFTER)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # as `touch -r` would
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    again = load_source(path, "referrals")
    assert not again.from_cache
    assert again.data["child_id"].tolist() == ["B1", "B2"]
    assert first.data["child_id"].tolist() == ["A1", "A2"]


def test_replaced_file_with_same_size_and_times_is_read_afresh(write_file, trusted_at_once):
    path = write_file("referrals.csv", BEFORE)
    load_source(path, "referrals")
    flush_cache_writes()
    st = path.stat()
    time.sleep(0.05)
    other = path.with_name("new.csv")
    other.write_text(AFTER)
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, path)  # a new inode under the old name
    assert load_source(path, "referrals").data["child_id"].tolist() == ["B1", "B2"]


def test_unchanged_file_loads_from_the_cache_without_being_read(write_file, trusted_at_once,
                                                                monkeypatch):
    path = write_file("referrals.csv", BEFORE)
    load_source(path, "referrals")
    flush_cache_writes()

    def no_read(p):
        raise AssertionError(f"{p} was read")

    monkeypatch.setattr(load, "read_raw", no_read)
    r = load_source(path, "referrals")
    assert r.from_cache and r.data["child_id"].tolist() == ["A1", "A2"]


def test_a_file_changed_just_now_has_a_fingerprint_that_matches_nothing(write_file):
    path = write_file("referrals.csv", BEFORE)
    a, b = file_fingerprint(path), file_fingerprint(path)
    assert not fingerprint_is_stable(a) and a != b


def test_fingerprint_sees_a_timestamp_reset(write_file, trusted_at_once):
    path = write_file("referrals.csv", BEFORE)
    before = file_fingerprint(path)
    st = path.stat()
    time.sleep(0.05)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # changes nothing but the change time
    assert fingerprint_is_stable(before) and file_fingerprint(path) != before


def test_recorded_hash_is_sha256_of_the_file(write_file, tmp_path):
    path = write_file("referrals.csv", BEFORE)
    write_file("missing.csv", "CHILD,MISSING,MIS_START\nK1,M,01/05/2016\n")
    extract = load_extract(tmp_path / "extract")
    hashes = extract.input_hashes()
    assert hashes == {
        "referrals.csv": hashlib.sha256(path.read_bytes()).hexdigest(),
        "missing.csv": hashlib.sha256((tmp_path / "extract" / "missing.csv").read_bytes())
        .hexdigest(),
    }


def test_hash_and_values_come_from_the_same_bytes(write_file):
    # The file on disk says BEFORE; the bytes read (as if replaced mid-run) say AFTER.
    path = write_file("referrals.csv", BEFORE)
    raw = RawFile(path, AFTER.encode(), ("fingerprint of another moment",))
    r = load_source(path, "referrals", raw=raw)
    assert r.data["child_id"].tolist() == ["B1", "B2"]
    assert r.input_hash == hashlib.sha256(AFTER.encode()).hexdigest()


def test_no_cache_never_reads_or_writes_the_cache(write_file, trusted_at_once, monkeypatch):
    path = write_file("referrals.csv", BEFORE)
    load_source(path, "referrals")
    flush_cache_writes()
    entries = sorted(p.name for p in config.PROCESSED_DIR.rglob("*"))

    def refuse(*args, **kwargs):
        raise AssertionError("the cache was consulted")

    for module in (load, cache):
        for name in ("read_cache", "known_hash", "remember_hash", "write_cache_later"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, refuse)
    r = load_source(path, "referrals", use_cache=False)
    assert not r.from_cache and r.data["child_id"].tolist() == ["A1", "A2"]
    extract = load_extract(path.parent, use_cache=False)
    assert not extract.sources["referrals"].from_cache
    assert sorted(p.name for p in config.PROCESSED_DIR.rglob("*")) == entries


def test_cached_result_keeps_its_warnings(tmp_path):
    folder = tmp_path / "extract"
    folder.mkdir()
    path = folder / "referrals.csv"
    path.write_bytes(b"Child Unique ID,Date of referral,Religion\nA1,05/06/2016,X\x81Y\n")
    first = load_source(path, "referrals")
    flush_cache_writes()
    key = cache.cache_key(load.SOURCES["referrals"], first.input_hash, load.json.dumps(
        {"map": {}, "sheet": None, "label": "referrals.csv", "la": None}, sort_keys=True))
    again = cache.read_cache(key, load.SOURCES["referrals"])
    assert again is not None and again.warnings == first.warnings != []


def test_the_partners_files_are_hashed_for_the_manifest(write_file, tmp_path):
    """The manifest (``publish/pack.py``, from ``Extract.input_hashes``) lists every input read,
    the partners' files included (issue 18 item 6); a link out of the folder is not read."""
    folder = tmp_path / "extract"
    write_file("referrals.csv", BEFORE)
    perf = write_file("performance.csv", "indicator,period,value\nR1,2016-17 Q1,4\n")
    cat = write_file("indicators.csv", "indicator,title,unit,polarity\nR1,X,count,neither\n")
    book = folder / "Performance.xlsx"
    book.write_bytes(b"PK\x03\x04 not really a workbook, hashed all the same")
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0")
    hashes = load_extract(folder, use_cache=False).input_hashes()
    assert hashes == {name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in (
        ("referrals.csv", folder / "referrals.csv"), ("performance.csv", perf),
        ("indicators.csv", cat), ("Performance.xlsx", book))}
    cat.unlink()
    cat.symlink_to(outside)
    assert "indicators.csv" not in load_extract(folder, use_cache=False).input_hashes()
