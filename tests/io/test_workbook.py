"""Hostile and damaged workbooks are refused within the budget, quickly, with a message naming
the file, the sheet or part, and the fix. The workbooks are written here with zipfile and are
a few kilobytes on disk."""

from __future__ import annotations

import io
import struct
import time
import zipfile

import pytest

from wscb_analysis.io import workbook
from wscb_analysis.io.load import ExtractError, load_extract, load_source

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows: str, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0"?><worksheet {NS}>{dim}<sheetData>{rows}</sheetData></worksheet>'


def xlsx_bytes(sheets: dict[str, str], extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal workbook: one part per sheet, inline strings (no shared strings)."""
    buf = io.BytesIO()
    names = list(sheets)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
                   'ContentType="application/xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                   'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        listed = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                         for i, n in enumerate(names))
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {NS} {RNS}><sheets>'
                   f'{listed}</sheets></workbook>')
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(names)))
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns='
                   f'"http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
                   '</Relationships>')
        for i, n in enumerate(names):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", sheets[n])
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


HEADER_ROW = '<row r="1">' + cell("A1", "Child Unique ID") + cell("B1", "Date of referral") \
    + "</row>"
GOOD_ROW = '<row r="2">' + cell("A2", "R1") + cell("B2", "05/06/2016") + "</row>"


def save(tmp_path, name: str, data: bytes):
    folder = tmp_path / "extract"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def test_stray_value_at_the_last_cell_is_refused_in_bounded_time(tmp_path):
    # Data in A1:B2 and one value at XFD1048576 (the dimension claims A1:B2). The reader
    # would build a grid of 1,048,576 x 16,384 cells: the old loader asked for 512 GB.
    stray = '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"
    path = save(tmp_path, "referrals.xlsx",
                xlsx_bytes({"Referrals": sheet_xml(HEADER_ROW + GOOD_ROW + stray, "A1:B2")}))
    assert path.stat().st_size < 5_000
    start = time.perf_counter()
    extract = load_extract(path.parent)
    assert time.perf_counter() - start < 2
    problem = extract.sources["referrals"].problems[0]
    assert problem.startswith("referrals.xlsx [Referrals]: the sheet spans 1,048,576 rows x "
                              "16,384 columns from A1 to XFD1048576 (it declares A1:B2)")
    assert "17,179,869,184 cells" in problem
    assert "delete the rows and columns beyond the data" in problem
    assert not extract.usable


def test_data_far_from_a1_loads_with_its_own_row_numbers(tmp_path):
    # Header at XFC1048575, one record on the last row: a grid of 2 x 2 cells.
    rows = ('<row r="1048575">' + cell("XFC1048575", "Child Unique ID")
            + cell("XFD1048575", "Date of referral") + '</row><row r="1048576">'
            + cell("XFC1048576", "R1") + cell("XFD1048576", "05/06/2016") + "</row>")
    path = save(tmp_path, "referrals.xlsx", xlsx_bytes({"Sheet1": sheet_xml(rows)}))
    start = time.perf_counter()
    r = load_source(path, "referrals")
    assert time.perf_counter() - start < 2
    assert r.usable and r.data["row"].tolist() == [1048576]
    assert r.data["referral_date"].astype(str).tolist() == ["2016-06-05"]


@pytest.mark.parametrize("dimension", ["A1:A1", None, "A1:XFD1048576"])
def test_declared_dimension_is_not_trusted(tmp_path, dimension):
    # Wrong, absent, or huge while the cells are few: the cells decide.
    rows = HEADER_ROW + GOOD_ROW + '<row r="3">' + cell("A3", "R2") + cell("B3", "31/02/2016") \
        + "</row>"
    path = save(tmp_path, "referrals.xlsx", xlsx_bytes({"Sheet1": sheet_xml(rows, dimension)}))
    r = load_source(path, "referrals")
    assert (r.rows_in, r.rows_kept, r.rows_set_aside) == (2, 1, 1)
    assert r.set_aside["row"].tolist() == [3]


def test_formatted_empty_cells_do_not_count(tmp_path):
    # A styled but empty cell (no value) at XFD1048576 is not part of the reader's grid.
    rows = HEADER_ROW + GOOD_ROW + '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    path = save(tmp_path, "referrals.xlsx", xlsx_bytes({"Sheet1": sheet_xml(rows)}))
    assert load_source(path, "referrals").rows_kept == 1


def test_cells_without_references_are_bounded_too(tmp_path, monkeypatch):
    # Cells placed one after another (no r="..."): 3 rows of 4 cells reach D3 = 12 cells.
    monkeypatch.setattr(workbook, "MAX_SHEET_CELLS", 11)
    rows = "".join("<row>" + "<c><v>1</v></c>" * 4 + "</row>" for _ in range(3))
    path = save(tmp_path, "referrals.xlsx", xlsx_bytes({"Sheet1": sheet_xml(rows)}))
    with pytest.raises(ExtractError, match="3 rows x 4 columns from A1 to D3"):
        load_source(path, "referrals")


def test_only_the_sheets_read_are_held_to_the_cell_budget(tmp_path, monkeypatch):
    # List 1 spans 3 x 2 = 6 cells, over a budget of 5; List 3 (2 x 2 = 4) is the one read.
    monkeypatch.setattr(workbook, "MAX_SHEET_CELLS", 5)
    big = HEADER_ROW + GOOD_ROW + '<row r="3">' + cell("A3", "x") + "</row>"
    data = xlsx_bytes({"List 1": sheet_xml(big), "List 3": sheet_xml(HEADER_ROW + GOOD_ROW)})
    extract = load_extract(save(tmp_path, "AnnexA.xlsx", data).parent)
    assert extract.sources["referrals"].usable
    assert extract.sources["referrals"].rows_kept == 1


def test_zip_bomb_is_refused_by_its_expansion(tmp_path):
    # A shared-strings part of 40 MB of spaces stores in about 40 KB: 1,000 times.
    bomb = b'<?xml version="1.0"?><sst ' + NS.encode() + b">" + b" " * (40 * 2**20) + b"</sst>"
    path = save(tmp_path, "referrals.xlsx",
                xlsx_bytes({"Sheet1": sheet_xml(HEADER_ROW + GOOD_ROW)},
                           {"xl/sharedStrings.xml": bomb}))
    assert path.stat().st_size < 100_000
    start = time.perf_counter()
    with pytest.raises(ExtractError) as err:
        load_source(path, "referrals")
    assert time.perf_counter() - start < 1
    message = str(err.value)
    assert message.startswith("referrals.xlsx: the part 'xl/sharedStrings.xml' expands from")
    assert "the loader allows 100 times for parts over 10 MB" in message
    assert "export the sheet as CSV" in message


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with ``member``'s declared uncompressed size changed (local and central)."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    struct.pack_into("<I", out, info.header_offset + 22, size)
    pos = out.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", out, pos + 28)[0]
        if bytes(out[pos + 46:pos + 46 + name_len]).decode() == member:
            struct.pack_into("<I", out, pos + 24, size)
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def test_part_larger_than_it_declares_is_refused(tmp_path):
    rows = HEADER_ROW + "".join(f'<row r="{i}">' + cell(f"A{i}", f"R{i}")
                                + cell(f"B{i}", "05/06/2016") + "</row>" for i in range(2, 3000))
    data = _declare_size(xlsx_bytes({"Sheet1": sheet_xml(rows)}), "xl/worksheets/sheet1.xml",
                         1_000)
    path = save(tmp_path, "referrals.xlsx", data)
    with pytest.raises(ExtractError, match="the part 'xl/worksheets/sheet1.xml' holds more than "
                                           "it declares: the file is damaged"):
        load_source(path, "referrals")


def test_workbook_beyond_the_uncompressed_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_UNCOMPRESSED", 2**20)
    rows = HEADER_ROW + "".join(f'<row r="{i}">' + cell(f"A{i}", f"R{i}")
                                + cell(f"B{i}", "05/06/2016") + "</row>"
                                for i in range(2, 20_000))
    path = save(tmp_path, "referrals.xlsx", xlsx_bytes({"Sheet1": sheet_xml(rows)}))
    with pytest.raises(ExtractError, match="more than the loader's limit of 1 MB; export the "
                                           "lists as CSV files instead"):
        load_source(path, "referrals")


def test_password_protected_workbook(tmp_path):
    # An encrypted .xlsx is an OLE compound file, not a zip.
    path = save(tmp_path, "referrals.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(ExtractError, match="referrals.xlsx: the workbook is password-protected "
                                           ".*save it without a password"):
        load_source(path, "referrals")


def test_namespace_prefixed_sheet_is_measured_too(tmp_path):
    # Some writers prefix every tag ("<x:c"); the stray value at XFD1048576 still counts.
    ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'

    def c(ref: str, text: str) -> str:
        return f'<x:c r="{ref}" t="inlineStr"><x:is><x:t>{text}</x:t></x:is></x:c>'

    rows = (f'<x:row r="1">{c("A1", "Child Unique ID")}{c("B1", "Date of referral")}</x:row>'
            f'<x:row r="2">{c("A2", "R1")}{c("B2", "05/06/2016")}</x:row>')
    good = f'<?xml version="1.0"?><x:worksheet {ns}><x:sheetData>{rows}</x:sheetData>' \
        '</x:worksheet>'
    path = save(tmp_path, "referrals.xlsx", xlsx_bytes({"Sheet1": good}))
    assert load_source(path, "referrals").data["row"].tolist() == [2]
    stray = good.replace("</x:sheetData>", f'<x:row r="1048576">{c("XFD1048576", "x")}'
                         "</x:row></x:sheetData>")
    path.write_bytes(xlsx_bytes({"Sheet1": stray}))
    with pytest.raises(ExtractError, match="1,048,576 rows x 16,384 columns"):
        load_source(path, "referrals", use_cache=False)
