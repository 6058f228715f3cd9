"""Mapping files: other vendors' layouts (renames, value maps, fixed width) without code."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from civicdesk.receivables.models import Account, Installment
from civicdesk.receivables.services import import_file
from civicdesk.registry.models import Obligor

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def run(staff, municipality):
    def _run(path, mapping, kind="receivables", **options):
        return import_file(
            acting_user=staff,
            municipality=municipality,
            kind=kind,
            path=path,
            mapping_path=mapping,
            display_name=Path(path).name,
            **options,
        )

    return _run


def test_the_shipped_fixed_width_example_imports(run):
    result = run(EXAMPLES / "receivables-fixed-width.txt", EXAMPLES / "mapping-fixed-width.yaml")
    assert result.error_count == 0, [str(e) for e in result.errors]
    assert result.run.encoding == "cp932"
    assert result.counts["rows"] == 3

    yamada = Obligor.objects.get(resident_no="0000001001")
    assert (yamada.name, yamada.name_kana, yamada.sex) == ("山田　太郎", "ヤマダ タロウ", "male")
    assert yamada.birth_date == date(1975, 4, 1)
    assert yamada.relationship == "本人"  # a constant of the mapping
    sato = Obligor.objects.get(resident_no="0000002002")
    assert (sato.town, sato.chome, sato.block) == ("大島", 5, "3-1")

    assert sorted(Account.objects.values_list("revenue_type", "case_no")) == [
        ("nhi", "N00000001001"),
        ("resident_tax", "R00000002002"),
    ]
    assert Account.objects.get(case_no="R00000002002").account_transfer is True
    anytime = Installment.objects.get(account__case_no="R00000002002")
    assert (anytime.period, anytime.due_date, anytime.assessed) == (
        "随時",
        date(2025, 12, 25),
        45000,
    )


def test_fixed_width_errors_name_the_mapping_header_and_the_physical_line(tmp_path, run):
    lines = (EXAMPLES / "receivables-fixed-width.txt").read_bytes().split(b"\r\n")
    # 未納額 of the second line no longer equals 調定額 − 納付額.
    lines[1] = lines[1][:207] + b"0000000001" + lines[1][217:]
    path = tmp_path / "a.txt"
    path.write_bytes(b"\r\n".join(lines))
    result = run(path, EXAMPLES / "mapping-fixed-width.yaml")
    assert [f"{e.line}:{e.column}" for e in result.errors] == ["2:未納額"]


def write_mapping(tmp_path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_mapping_renames_columns_and_maps_values(tmp_path, run):
    mapping = write_mapping(
        tmp_path,
        """
format: csv
delimiter: tab
skip_lines: 1
columns:
  ZEIMOKU: 税目
  ATENA: 宛名番号
  SEIRI: case_no
  SHIMEI: 氏名
  JUSHO: 住所
  NENDO: 年度
  KI: 期別
  NOKIGEN: 納期限
  CHOTEI: 調定額
  NOFU: 納付額
  MINO: 未納額
values:
  税目: {"3": 国保}
  期別: {"00": 随時}
""",
    )
    data = tmp_path / "vendor.tsv"
    data.write_text(
        "A社 出力 2025-07-01\n"
        "ZEIMOKU\tATENA\tSEIRI\tSHIMEI\tJUSHO\tNENDO\tKI\tNOKIGEN\tCHOTEI\tNOFU\tMINO\tMEMO\n"
        "3\t1001\tN1\t山田　太郎\t江東区東陽4-11-28\t2025\t00\t2025-12-25\t500\t0\t500\t社内メモ\n",
        encoding="utf-8",
    )
    result = run(data, mapping)
    assert result.error_count == 0, [str(e) for e in result.errors]
    installment = Installment.objects.get()
    assert (installment.account.revenue_type, installment.period) == ("nhi", "随時")
    # Unknown columns are dropped and named as they are headed in the file.
    assert "MEMO" in result.dropped_columns


def test_csv_mapping_errors_name_the_header_as_in_the_file(tmp_path, run):
    mapping = write_mapping(tmp_path, "columns:\n  KINGAKU: 調定額\n")
    headers = "税目,宛名番号,整理番号,氏名,住所,年度,期別,納期限,KINGAKU,納付額,未納額"
    data = tmp_path / "v.csv"
    data.write_text(f"{headers}\n国保,1,N1,山田,江東区東陽,2025,1,2025-06-30,abc,0,0\n", "utf-8")
    result = run(data, mapping)
    assert [str(e) for e in result.errors] == [
        "v.csv:2:KINGAKU: 金額として読めません（円単位の整数）: abc"
    ]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("columns: [unclosed\n", 2, "YAML として読めません"),
        ("format: xml\n", 1, "format は csv または fixed_width です"),
        ("columns:\n  X: 存在しない列\n", 1, "「存在しない列」はこの取込みの列にありません"),
        ("kind: payments\n", 1, "このマッピングは payments 用です"),
        ("colums: {}\n", 1, "不明な項目があります: colums"),
        ("format: fixed_width\ncolumns:\n  - {header: 税目, start: 0, length: 2}\n", 1, "1以上"),
    ],
)
def test_a_wrong_mapping_file_is_an_error_naming_it(tmp_path, run, text, line, reason):
    mapping = write_mapping(tmp_path, text)
    data = tmp_path / "d.csv"
    data.write_text("税目\n国保\n", "utf-8")
    result = run(data, mapping)
    assert result.error_count == 1
    error = result.errors[0]
    assert (error.file, error.line) == (str(mapping), line)
    assert reason in error.reason
    assert not Obligor.objects.exists()
