"""Publishing into the partnership's archive (``wscb publish --archive``, CONTRACT.md): the
layout, the editions kept, the archive's index, and the audit of every pack together."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from wscb_analysis.disclosure.published import packs_in
from wscb_analysis.publish.audit import audit_pack


@pytest.fixture(scope="module")
def archive(tmp_path_factory, synthetic, kernel_pool):
    """The small authority's Q3 pack, its year pack, then the year again after a late
    referral, published into one archive."""
    from wscb_analysis.publish import publish_pack

    root = tmp_path_factory.mktemp("archive")
    extract = root / "extract"
    shutil.copytree(synthetic("small"), extract)
    codes = []
    for quarter in ("Q3", None):
        codes.append(publish_pack(extract, "2016-17", quarter, archive=root / "packs",
                                  pool=kernel_pool))
    with open(extract / "referrals.csv", "a", encoding="utf-8") as fh:
        fh.write('"999001","F","WBRI","01/01/2010","6","15/11/2016","1C","N","Team",'
                 '"SW1","Rugby","English",""\n')
    codes.append(publish_pack(extract, "2016-17", None, archive=root / "packs",
                              pool=kernel_pool))
    return root / "packs", codes


def test_each_pack_goes_into_its_periods_folder_and_earlier_editions_are_kept(archive):
    folder, codes = archive
    assert codes == [0, 0, 0]
    assert (folder / "2016-17-Q3" / "index.html").is_file()
    year = json.loads((folder / "2016-17" / "manifest.json").read_text())
    assert year["edition"] == 2
    assert sorted(year["planned_against"]) == ["2016-17", "2016-17-Q3"]
    kept = folder / "revisions" / "2016-17" / "edition-1"
    assert json.loads((kept / "manifest.json").read_text())["edition"] == 1
    assert not any(p.is_symlink() for p in kept.rglob("*"))  # a whole copy, on its own
    # The late referral is in the new edition's count and not in the earlier one's.
    first = json.loads((kept / "figures.json").read_text())["referrals"]["referrals"]
    now = json.loads((folder / "2016-17" / "figures.json").read_text())["referrals"][
        "referrals"]
    assert now == first + 1


def test_the_archive_index_lists_every_pack_newest_first(archive):
    folder, _ = archive
    text = (folder / "index.html").read_text(encoding="utf-8")
    rows = [line for line in text.split("<tr>")[2:]]
    assert len(rows) == 3
    assert "2016-17/index.html" in rows[0] and "current" in rows[0]  # the latest edition
    assert "revisions/2016-17/edition-1/index.html" in text and "earlier edition" in text
    assert "2016-17-Q3/index.html" in text


def test_every_pack_audited_with_all_the_others_gives_nothing_away(archive):
    folder, _ = archive
    packs = [i.folder for i in packs_in(folder)]
    assert len(packs) == 3
    for pack in packs:
        others = [p for p in packs if p != pack]
        assert audit_pack(pack, others=others) == [], pack.name


def test_a_figure_an_earlier_edition_hid_stays_hidden(archive):
    from wscb_analysis.disclosure.published import pack_knowledge

    folder, _ = archive
    first = pack_knowledge(folder / "revisions" / "2016-17" / "edition-1")
    second = pack_knowledge(folder / "2016-17")
    assert first.hidden and not set(second.shown) & first.hidden


def test_out_and_archive_together_is_a_usage_mistake(tmp_path):
    res = subprocess.run([sys.executable, "-m", "wscb_analysis.cli", "publish", "--data-dir",
                          str(tmp_path), "--period", "2016-17", "--out", str(tmp_path / "a"),
                          "--archive", str(tmp_path / "b")], capture_output=True, text=True)
    assert res.returncode == 2
    assert "not allowed with argument" in res.stderr and "Traceback" not in res.stderr


def test_a_finding_across_the_archive_refuses_the_pack_and_leaves_the_archive(
        archive, tmp_path, monkeypatch, kernel_pool, capsys):
    # The audit is handed every pack in the archive beside the new one; when it finds
    # anything, nothing enters the archive: no Q2 folder, the index as it was.
    from wscb_analysis.publish import pack as pack_module
    from wscb_analysis.publish import publish_pack

    folder, _ = archive
    copy = tmp_path / "packs"
    shutil.copytree(folder, copy, symlinks=True)
    index_before = (copy / "index.html").read_bytes()
    handed = []

    def audit(new, others=()):
        handed.append(sorted(p.name for p in others))
        return ["hidden figure worked out from figures shown on other pages (planted)"]

    monkeypatch.setattr(pack_module, "audit_pack", audit)
    extract = folder.parent / "extract"
    code = publish_pack(extract, "2016-17", "Q2", archive=copy, pool=kernel_pool)
    assert code == 1
    assert handed == [["2016-17", "2016-17-Q3", "edition-1"]]
    assert not (copy / "2016-17-Q2").exists()
    assert (copy / "index.html").read_bytes() == index_before
    assert "disclosure audit" in capsys.readouterr().err
