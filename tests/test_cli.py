"""The command line as a user runs it: exit codes and messages, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

from wscb_analysis.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wscb_analysis.cli", *args],
                          capture_output=True, text=True)


def test_figures_json_has_the_contract_keys(tmp_path, write_file, capsys):
    write_file("referrals.csv", "Child Unique ID,Date of referral\nA,01/05/2016\nA,01/06/2016\n")
    assert main(["figures", "--data-dir", str(tmp_path / "extract"), "--period", "2016-17"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["period"] == {"label": "2016-17", "start": "2016-04-01", "end": "2017-03-31"}
    assert out["synthetic"] is False
    assert out["referrals"] == {"referrals": 2, "rereferrals": 1, "rereferral_rate": 0.5}
    for key in ("started", "second_or_subsequent", "second_or_subsequent_rate",
                "second_within_2_years", "ended", "ended_2_years_plus",
                "ended_2_years_plus_rate", "ended_by_duration", "open_at_end",
                "open_2_years_plus"):
        assert key in out["cp_plans"]
    assert set(out["cp_plans"]["ended_by_duration"]) == {
        "3 months or less", "more than 3 months to 6 months",
        "more than 6 months to less than 1 year", "1 year to less than 2 years",
        "2 years and over"}
    for key in ("episodes", "missing_episodes", "away_episodes", "absent_episodes",
                "children", "children_repeat", "rhi_offered", "rhi_accepted"):
        assert key in out["missing"]
    assert set(out["early_help"]) >= {"assessments", "by_agency"}
    assert set(out["diversity"]) >= {"referrals", "ethnicity_not_recorded",
                                     "first_language_not_recorded", "religion_not_recorded"}


def test_missing_required_column_exits_1_naming_file_and_column(tmp_path, write_file):
    write_file("referrals.csv", "Child Unique ID,Gender\nA,M\n")
    for cmd in (["validate"], ["figures", "--period", "2016-17"]):
        res = run(*cmd, "--data-dir", str(tmp_path / "extract"))
        assert res.returncode == 1
        text = res.stdout + res.stderr
        assert "referrals.csv" in text and "Date of referral" in text
        assert "Traceback" not in text


def test_unknown_period_exits_2_without_traceback(tmp_path, write_file):
    # A period that is not a financial year is a mistake in the command's words: exit 2
    # (CONTRACT.md), with a message naming it and the form expected.
    write_file("referrals.csv", "Child Unique ID,Date of referral\nA,01/05/2016\n")
    res = run("figures", "--data-dir", str(tmp_path / "extract"), "--period", "2016-99")
    assert res.returncode == 2
    assert "2016-99" in res.stderr and "2016-17" in res.stderr
    assert "Traceback" not in res.stderr


def test_validate_reports_accounting_and_good_rows_still_count(tmp_path, write_file, capsys):
    write_file("referrals.csv", "Child Unique ID,Date of referral\nA,31/02/2016\nB,01/05/2016\n"
               "B,01/05/2016\n")
    assert main(["validate", "--data-dir", str(tmp_path / "extract")]) == 0
    out = capsys.readouterr().out
    assert "rows in 3 = kept 1 + duplicates 1 + set aside 1" in out
    assert "referrals.csv row 2, column 'Date of referral'" in out


def test_map_option(tmp_path, write_file, capsys):
    write_file("referrals.csv", "Child Unique ID,Contact In\nA,01/05/2016\n")
    assert main(["figures", "--data-dir", str(tmp_path / "extract"), "--period", "2016-17",
                 "--map", "Contact In=referral_date"]) == 0
    assert json.loads(capsys.readouterr().out)["referrals"]["referrals"] == 1


def test_synth_then_figures(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path / "x"), "--scale", "0.2", "--seed", "5"]) == 0
    assert main(["figures", "--data-dir", str(tmp_path / "x"), "--period", "2016-17"]) == 0
    out = capsys.readouterr().out
    figures = json.loads(out[out.index("{"):])
    assert figures["synthetic"] is True and figures["referrals"]["referrals"] > 0


def test_map_with_an_unknown_field_exits_2_listing_the_fields(tmp_path, write_file):
    write_file("referrals.csv", "Child Unique ID,Contact Date\nA,01/05/2016\n")
    res = run("validate", "--data-dir", str(tmp_path / "extract"), "--map",
              "Contact Date=referal_date")
    assert res.returncode == 2
    assert "referal_date" in res.stderr and "referral_date" in res.stderr  # suggested
    assert "start_date" in res.stderr and "child_id" in res.stderr  # and listed
    assert "Traceback" not in res.stderr


def test_map_of_a_header_the_files_lack_is_an_error_naming_the_headers(tmp_path, write_file):
    write_file("referrals.csv", "Child Unique ID,Contact Date\nA,01/05/2016\n")
    res = run("validate", "--data-dir", str(tmp_path / "extract"), "--map",
              "Referral Day=referral_date")
    assert res.returncode == 1
    assert "Referral Day" in res.stdout + res.stderr and "Contact Date" in res.stdout + \
        res.stderr


def test_map_makes_an_unusual_header_load(tmp_path, write_file, capsys):
    write_file("referrals.csv", "Child Unique ID,Contact Date\nA,01/05/2016\nA,01/06/2016\n")
    assert main(["figures", "--data-dir", str(tmp_path / "extract"), "--period", "2016-17",
                 "--map", "Contact Date=referral_date"]) == 0
    assert json.loads(capsys.readouterr().out)["referrals"]["referrals"] == 2


def test_fields_lists_each_source_field_and_its_headers():
    res = run("fields")
    assert res.returncode == 0
    for text in ("referral_date", "date of referral", "previous_plans", "missing_type",
                 "performance", "indicator"):
        assert text in res.stdout.lower(), text


def test_a_misspelt_option_is_named_with_a_suggestion(tmp_path):
    res = run("figures", "--data-dir", str(tmp_path), "--perod", "2016-17")
    assert res.returncode == 2
    assert "--perod" in res.stderr and "did you mean --period" in res.stderr


def test_zero_scale_and_zero_workers_get_a_message():
    res = run("synth", "--out", "/tmp/never-written", "--scale", "0")
    assert res.returncode == 2 and "must be more than 0" in res.stderr
    res = run("publish", "--data-dir", "x", "--period", "2016-17", "--out", "y", "--workers", "0")
    assert res.returncode == 2 and "must be more than 0" in res.stderr


def test_figures_for_a_period_no_source_reaches_exits_2_naming_the_span(tmp_path, write_file):
    write_file("referrals.csv", "Child Unique ID,Date of referral\nA,01/05/2016\n")
    res = run("figures", "--data-dir", str(tmp_path / "extract"), "--period", "2009-10")
    assert res.returncode == 2
    assert res.stdout == ""  # nothing written
    assert "2009-10" in res.stderr and "1 May 2016" in res.stderr


def test_template_writes_a_workbook_and_refuses_another_suffix(tmp_path):
    res = run("template", "--out", str(tmp_path / "t.xlsx"))
    assert res.returncode == 0 and (tmp_path / "t.xlsx").stat().st_size > 1000
    res = run("template", "--out", str(tmp_path / "t.csv"))
    assert res.returncode == 2 and ".xlsx" in res.stderr
