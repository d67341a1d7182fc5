"""Inputs that are not files of the data folder are refused by name, unread (issue 18 item 7).

The case as written: a ``referrals.csv`` that is a link to a password file outside the folder
had its first line printed ("Headers found: root:x:0:0:..."). Now it is refused naming the
file, and no byte of the target reaches a message, the terminal or the log. FIFOs and devices
are refused the same way, without blocking on them.
"""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest

from wscb_analysis.cli import main
from wscb_analysis.errors import ExtractError
from wscb_analysis.io.load import load_extract, load_source
from wscb_analysis.io.read import check_input, read_input_bytes

SECRET = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
REFERRALS = "Child Unique ID,Date of referral\nA1,05/06/2016\nA2,07/09/2016\n"


@pytest.fixture
def no_hang():
    """A test that would block on a FIFO fails after 20 seconds instead of hanging."""
    def stop(*_):
        raise TimeoutError("blocked reading a FIFO")
    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def extract_with(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "extract"
    folder.mkdir()
    outside = tmp_path / "elsewhere" / "passwd"
    outside.parent.mkdir()
    outside.write_text(SECRET)
    (folder / "cp_plans.csv").write_text(
        "Child Unique ID,Child Protection Plan Start Date\nB1,01/05/2016\n")
    return folder, outside


def test_a_link_out_of_the_folder_is_refused_by_name_and_never_read(tmp_path, capsys):
    folder, outside = extract_with(tmp_path)
    (folder / "referrals.csv").symlink_to(outside)
    extract = load_extract(folder, use_cache=False)
    problems = " ".join(extract.sources["referrals"].problems)
    assert "referrals.csv" in problems and "outside the data folder" in problems
    assert "root" not in problems and str(outside) not in problems
    assert extract.has("cp_plans")  # the folder's own files still load
    assert main(["validate", "--data-dir", str(folder), "--no-cache"]) == 1
    out = capsys.readouterr()
    assert "outside the data folder" in out.out + out.err
    assert "root:x" not in out.out + out.err


def test_the_same_link_to_the_system_password_file_as_written(tmp_path, capsys):
    folder, _ = extract_with(tmp_path)
    (folder / "referrals.csv").symlink_to("/etc/passwd")
    assert main(["publish", "--data-dir", str(folder), "--period", "2016-17", "--out",
                 str(tmp_path / "pack"), "--no-cache"]) == 1
    out = capsys.readouterr()
    assert "referrals.csv: a link to a file outside the data folder" in out.err
    assert "root:x" not in out.out + out.err
    for log in tmp_path.rglob("run.log"):
        assert "root:x" not in log.read_text()


def test_a_link_within_the_folder_is_read(tmp_path):
    folder, _ = extract_with(tmp_path)
    (folder / "exports").mkdir()
    (folder / "exports" / "referrals-2017.csv").write_text(REFERRALS)
    (folder / "referrals.csv").symlink_to(Path("exports") / "referrals-2017.csv")
    extract = load_extract(folder, use_cache=False)
    assert extract.sources["referrals"].rows_kept == 2  # the two rows of REFERRALS


def test_a_data_folder_reached_through_a_link_still_reads_its_own_files(tmp_path):
    folder, _ = extract_with(tmp_path)
    (folder / "referrals.csv").write_text(REFERRALS)
    latest = tmp_path / "latest"
    latest.symlink_to(folder)  # data/raw/latest -> data/raw/2017-q3, as the README's cron
    assert load_extract(latest, use_cache=False).sources["referrals"].rows_kept == 2


def test_a_link_to_nothing_is_refused_not_taken_as_absent(tmp_path):
    folder, _ = extract_with(tmp_path)
    (folder / "referrals.csv").symlink_to(folder / "gone.csv")
    problems = load_extract(folder, use_cache=False).sources["referrals"].problems
    assert problems and "referrals.csv: a link to a file that does not exist" in problems[0]


def test_a_fifo_is_refused_by_name_without_blocking(tmp_path, no_hang):
    folder, _ = extract_with(tmp_path)
    os.mkfifo(folder / "missing.csv")
    os.mkfifo(folder / "Annex_A.xlsx")
    extract = load_extract(folder, use_cache=False)
    problems = " ".join(extract.sources["missing"].problems)
    assert "missing.csv: a FIFO (named pipe), not a file" in problems
    # The workbook could hold the lists the folder lacks (early help): its refusal is theirs.
    assert "Annex_A.xlsx: a FIFO" in " ".join(extract.sources["early_help"].problems)
    with pytest.raises(ExtractError, match="FIFO"):
        load_source(folder / "missing.csv", "missing")
    with pytest.raises(ExtractError, match="FIFO"):
        read_input_bytes(folder / "missing.csv")


def test_a_device_is_refused(tmp_path, no_hang):
    folder, _ = extract_with(tmp_path)
    try:  # /dev/zero's numbers (Linux: major 1, minor 5)
        os.mknod(folder / "referrals.csv", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs root; the link test below covers a device "
                    "reached through a link")
    with pytest.raises(ExtractError, match="referrals.csv: a character device, not a file"):
        check_input(folder / "referrals.csv")


def test_a_link_to_a_device_is_refused(tmp_path, no_hang):
    folder, _ = extract_with(tmp_path)
    (folder / "referrals.csv").symlink_to("/dev/zero")
    with pytest.raises(ExtractError, match="outside the data folder"):
        check_input(folder / "referrals.csv")
