"""`publish` takes --map and --no-cache as validate and figures do, and never serves a file
edited behind the cache's back (issue "Nothing escapes the pack", items 6 and 8)."""

from __future__ import annotations

import json
import os
import shutil

import pytest


@pytest.fixture(scope="module")
def small(tmp_path_factory, synthetic):
    folder = tmp_path_factory.mktemp("small") / "extract"
    shutil.copytree(synthetic("small"), folder)
    for name in ("early_help.csv", "missing.csv", "performance.csv", "indicators.csv"):
        (folder / name).unlink()
    return folder


def test_publish_takes_a_column_map_that_reaches_every_notebook(small, tmp_path, capsys,
                                                                 publish):
    publish_pack = publish
    extract = tmp_path / "mapped"
    shutil.copytree(small, extract)
    path = extract / "referrals.csv"
    text = path.read_text()
    # One ethnicity that is no census code: a warning for the analyst, nothing in the pack.
    text = text.replace(',"WBRI",', ',"Martian",', 1)
    path.write_text(text.replace('"Date of referral"', '"Contact Date"', 1))
    assert publish_pack(extract, "2016-17", None, tmp_path / "unmapped") == 1  # no date column
    out = tmp_path / "pack"
    capsys.readouterr()
    assert publish_pack(extract, "2016-17", None, out,
                        column_map={"Contact Date": "referral_date"}) == 0
    err = capsys.readouterr().err
    assert ("wscb publish: warning: referrals.csv: column 'Ethnicity': 1 row holds an "
            "ethnicity that is not a CIN census code: 'Martian' (row ") in err
    assert not [f for f in out.rglob("*") if f.is_file() and "martian" in f.read_text(
        errors="replace").lower()]
    figures = json.loads((out / "figures.json").read_text())
    assert figures["referrals"]["referrals"] not in (None, "c", 0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["column_map"] == {"Contact Date": "referral_date"}


def test_an_edit_keeping_size_and_mtime_is_published_not_served_from_the_cache(small,
                                                                                tmp_path,
                                                                                publish):
    # On the session's kernels, which have loaded other extracts: nothing they keep may
    # serve the edited file.
    publish_pack = publish
    extract = tmp_path / "edited"
    shutil.copytree(small, extract)
    first = tmp_path / "first"
    assert publish_pack(extract, "2016-17", None, first) == 0
    before = json.loads((first / "figures.json").read_text())["referrals"]["referrals"]
    path = extract / "referrals.csv"
    stat = path.stat()
    lines = path.read_text().splitlines(keepends=True)
    # Move every 2016-17 referral to 2018-19: same bytes count, same modification time.
    body = [line.replace("/2016", "/2018") if "/2016" in line else line for line in lines]
    path.write_text("".join(body))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    second = tmp_path / "second"
    assert publish_pack(extract, "2016-17", None, second) == 0
    after = json.loads((second / "figures.json").read_text())["referrals"]["referrals"]
    assert after != before
    manifest = json.loads((second / "manifest.json").read_text())
    import hashlib

    assert manifest["inputs"]["referrals.csv"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_with_no_cache_reads_every_file_afresh(small, tmp_path, publish):
    publish_pack = publish
    out = tmp_path / "pack"
    assert publish_pack(small, "2016-17", None, out, use_cache=False) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["use_cache"] is False
