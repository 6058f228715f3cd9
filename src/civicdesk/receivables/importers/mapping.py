"""Mapping files: another vendor's layout described in YAML, read without code.

See docs/data-formats.md and docs/examples/mapping-fixed-width.yaml. Every scalar is read as
text (YAML's BaseLoader), so a code like ``01`` stays ``01`` and ``no`` stays ``no``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from civicdesk.receivables.importers.layouts import LAYOUTS, Layout, header_key

FORMATS = ("csv", "fixed_width")
UNITS = ("bytes", "chars")
_KEYS = {
    "kind",
    "format",
    "encoding",
    "delimiter",
    "skip_lines",
    "unit",
    "columns",
    "values",
    "constants",
    "description",
}


class MappingError(Exception):
    """The mapping file is wrong; ``line`` is where (1 when the whole file is meant)."""

    def __init__(self, reason: str, line: int = 1):
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class FixedField:
    header: str  # the built-in header (or alias) this slice fills, also named in errors
    start: int  # 1-based position of the first byte (or character)
    length: int


@dataclass(frozen=True)
class Mapping:
    path: Path
    kind: str | None = None
    format: str = "csv"
    encoding: str | None = None
    delimiter: str = ","
    skip_lines: int = 0
    unit: str = "bytes"
    # CSV: a file header (as a header_key) → the built-in header it stands for.
    renames: dict[str, str] = field(default_factory=dict)
    fields: tuple[FixedField, ...] = ()
    # Built-in field (English alias) → {the vendor's value: the value the layout reads}.
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    # Built-in field → a value for every row (for a column the vendor's file lacks).
    constants: dict[str, str] = field(default_factory=dict)


def load_mapping(path: Path, kind: str) -> Mapping:
    """Read and check a mapping file for an import of ``kind``; MappingError names the problem."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except UnicodeDecodeError:
        raise MappingError("マッピングファイルは UTF-8 で保存してください") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise MappingError(
            f"YAML として読めません: {getattr(error, 'problem', error)}", line
        ) from None
    if not isinstance(data, dict):
        raise MappingError("マッピングファイルの内容がありません（キー: 値 の形式で書きます）")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise MappingError(f"不明な項目があります: {', '.join(unknown)}")
    layout = LAYOUTS[kind]
    if data.get("kind") and data["kind"] != kind:
        raise MappingError(f"このマッピングは {data['kind']} 用です（取込みの種類: {kind}）")
    format_ = data.get("format", "csv")
    if format_ not in FORMATS:
        raise MappingError(f"format は csv または fixed_width です: {format_}")
    unit = data.get("unit", "bytes")
    if unit not in UNITS:
        raise MappingError(f"unit は bytes または chars です: {unit}")
    delimiter = data.get("delimiter", ",")
    delimiter = "\t" if delimiter in ("\\t", "tab", "TAB") else delimiter
    if len(delimiter) != 1:
        raise MappingError(f"delimiter は1文字です: {delimiter}")
    renames: dict[str, str] = {}
    fields: tuple[FixedField, ...] = ()
    columns = data.get("columns") or ({} if format_ == "csv" else [])
    if format_ == "csv":
        renames = _renames(columns, layout)
    else:
        fields = _fixed_fields(columns, layout)
    return Mapping(
        path=path,
        kind=kind,
        format=format_,
        encoding=data.get("encoding") or None,
        delimiter=delimiter,
        skip_lines=_natural(data.get("skip_lines", "0"), "skip_lines"),
        unit=unit,
        renames=renames,
        fields=fields,
        values=_value_maps(data.get("values") or {}, layout),
        constants=_constants(data.get("constants") or {}, layout),
    )


def _field_of(name: str, layout: Layout, where: str) -> str:
    column = layout.find(name)
    if column is None:
        known = "、".join(column.header for column in layout.columns)
        raise MappingError(f"{where}: 「{name}」はこの取込みの列にありません（{known}）")
    return column.field


def _natural(value, name: str) -> int:
    if not (isinstance(value, str) and value.isdigit()):
        raise MappingError(f"{name} は0以上の整数です: {value}")
    return int(value)


def _renames(columns, layout: Layout) -> dict[str, str]:
    if not isinstance(columns, dict):
        raise MappingError("columns は「ファイルの見出し: 取込みの見出し」の対応表です（CSV）")
    renames = {}
    for vendor, ours in columns.items():
        field_name = _field_of(ours, layout, f"columns の {vendor}")
        renames[header_key(vendor)] = layout.column(field_name).header
    return renames


def _fixed_fields(columns, layout: Layout) -> tuple[FixedField, ...]:
    if not isinstance(columns, list) or not columns:
        raise MappingError("固定長では columns に header・start・length の並びを書きます")
    fields = []
    for number, item in enumerate(columns, start=1):
        if not isinstance(item, dict) or not {"header", "start", "length"} <= set(item):
            raise MappingError(f"columns の {number} 番目に header・start・length がありません")
        _field_of(item["header"], layout, f"columns の {number} 番目")
        start = _natural(item["start"], f"columns の {number} 番目の start")
        length = _natural(item["length"], f"columns の {number} 番目の length")
        if start < 1 or length < 1:
            raise MappingError(f"columns の {number} 番目: start と length は1以上です")
        fields.append(FixedField(item["header"], start, length))
    return tuple(fields)


def _value_maps(values, layout: Layout) -> dict[str, dict[str, str]]:
    if not isinstance(values, dict):
        raise MappingError("values は「列: {ファイルの値: 取込みの値}」の対応表です")
    maps = {}
    for name, table in values.items():
        if not isinstance(table, dict):
            raise MappingError(f"values の {name} は「ファイルの値: 取込みの値」の対応表です")
        maps[_field_of(name, layout, "values")] = {
            str(key).strip(): str(value) for key, value in table.items()
        }
    return maps


def _constants(constants, layout: Layout) -> dict[str, str]:
    if not isinstance(constants, dict):
        raise MappingError("constants は「列: 値」の対応表です")
    return {_field_of(name, layout, "constants"): str(value) for name, value in constants.items()}
