"""What every layout shares: the header, the data rows and reading a group of cells.

``open_table`` reads the header (renamed by a mapping), reports missing and duplicate
columns, and returns the data rows already checked for width and encoding. ``CellGroup``
parses the cells of a few columns of one row, reporting each bad cell under its header.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from civicdesk.privacy.field_policy import ALWAYS_HELD
from civicdesk.receivables.importers.errors import ErrorLog, Stop
from civicdesk.receivables.importers.layouts import Column, Layout, header_key
from civicdesk.receivables.importers.mapping import Mapping
from civicdesk.receivables.importers.reader import Source, UnreadableFile

REQUIRED_EMPTY = "必須の項目が空です"


@dataclass
class Table:
    """The resolved header of one file."""

    layout: Layout
    header_line: int
    width: int
    index: dict[str, int] = field(default_factory=dict)  # field → position in a row
    names: dict[str, str] = field(default_factory=dict)  # field → header as in the file
    unknown: list[str] = field(default_factory=list)  # headers the layout does not know
    constants: list[str] = field(default_factory=list)  # cells appended to every row
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)

    def has(self, field_name: str) -> bool:
        return field_name in self.index

    def kept_and_dropped(self, held: frozenset[str]) -> tuple[list[str], list[str]]:
        """Headers as in the file: those whose data may be held, and all the others."""
        kept, dropped = [], list(self.unknown)
        for field_name, name in self.names.items():
            policy = self.layout.column(field_name).policy
            if policy is None or policy in ALWAYS_HELD or policy in held:
                kept.append(name)
            else:
                dropped.append(name)
        return sorted(kept), sorted(set(dropped))


def open_table(
    source: Source, layout: Layout, mapping: Mapping | None, errors: ErrorLog
) -> tuple[Table, Iterator[tuple[int, list[str]]]]:
    """The header of the file and an iterator over its data rows; Stop if nothing can follow."""
    rows = source.rows()
    try:
        first = next(rows, None)
    except UnreadableFile as problem:
        errors.add(problem.line, None, problem.reason)
        raise Stop from None
    if first is None:
        errors.add(1, None, "ファイルが空です")
        raise Stop
    header_line, header = first
    if header_line in source.bad_lines:
        errors.add(header_line, None, source.bad_lines.pop(header_line))
    table = Table(layout=layout, header_line=header_line, width=len(header))
    renames = mapping.renames if mapping else {}
    for position, raw_name in enumerate(header):
        name = raw_name.strip().lstrip("\ufeff")
        if not name:
            continue
        column = layout.find(renames.get(header_key(name), name))
        if column is None:
            table.unknown.append(name)
        elif column.field in table.index:
            first_name = table.names[column.field]
            errors.add(
                header_line or 1,
                name,
                f"列「{name}」が重複しています（「{first_name}」と同じ項目）",
            )
        else:
            table.index[column.field] = position
            table.names[column.field] = name
    if mapping is not None:
        table.value_maps = mapping.values
        for field_name, value in mapping.constants.items():
            if field_name not in table.index:
                table.index[field_name] = table.width + len(table.constants)
                table.names[field_name] = layout.column(field_name).header
                table.constants.append(value)
    for column in layout.columns:
        if column.required and column.field not in table.index:
            errors.add(
                header_line or 1,
                column.header,
                f"必須の列「{column.header}」（{column.field}）がありません",
            )
    if errors:
        raise Stop
    return table, _data_rows(rows, table, source, errors)


def _data_rows(rows, table: Table, source: Source, errors: ErrorLog):
    width = table.width
    constants = table.constants
    bad_lines = source.bad_lines
    seen = False
    try:
        for line, row in rows:
            seen = True
            if len(row) == width or _fits(row, width, line, errors):
                if bad_lines and _undecodable(
                    line, source.last_line, row, table, errors, bad_lines
                ):
                    continue
                if constants:
                    row.extend(constants)
                yield line, row
    except UnreadableFile as problem:
        errors.add(problem.line, None, problem.reason)
    if not seen and not errors:
        errors.add(table.header_line + 1, None, "データ行がありません")


def _fits(row: list[str], width: int, line: int, errors: ErrorLog) -> bool:
    """A row of another width: fine if the extra cells are empty (spreadsheets add them)."""
    if len(row) > width and not any(cell.strip() for cell in row[width:]):
        del row[width:]
        return True
    errors.add(line, None, f"列の数が見出しと合いません（見出しは{width}列、この行は{len(row)}列）")
    return False


def _undecodable(first, last, row, table: Table, errors: ErrorLog, bad_lines) -> bool:
    found = False
    for line in range(first, last + 1):
        if line in bad_lines:
            found = True
            # Name the column the replacement character landed in, when it is one we know.
            column = next(
                (
                    table.names[f]
                    for f, i in table.index.items()
                    if i < len(row) and "\ufffd" in row[i]
                ),
                None,
            )
            errors.add(line, column, bad_lines.pop(line))
    return found


_MISSING = object()
_BAD = object()


class _Cell:
    __slots__ = ("index", "memo", "memo_limit", "name", "parse", "required", "value_map")

    def __init__(self, table: Table, column: Column):
        self.index = table.index[column.field]
        self.parse = column.parse
        self.name = table.names[column.field]
        self.required = column.required
        self.value_map = table.value_maps.get(column.field)
        self.memo_limit = column.memo_limit
        self.memo: dict[str, object] = {}

    def read(self, raw: str, line: int, errors: ErrorLog):
        """The value of a cell not seen before; _BAD (after reporting it) when it is wrong."""
        text = raw if self.value_map is None else self.value_map.get(raw.strip(), raw)
        if not text or text.isspace():
            if self.required:
                errors.add(line, self.name, REQUIRED_EMPTY)
                return _BAD
            value = None
        else:
            try:
                value = self.parse(text)
            except ValueError as error:
                errors.add(line, self.name, str(error))
                return _BAD
        if len(self.memo) >= self.memo_limit:
            self.memo.clear()
        self.memo[raw] = value
        return value


class CellGroup:
    """The cells of some columns of a row, parsed; a bad cell is an error under its header.

    ``parse`` returns the values in ``fields`` order (None for an empty cell), or None when a
    cell was wrong. Each cell remembers the spellings it has read, so for a repeated value
    the whole group costs a few C-level calls (itemgetter, map over the memo dictionaries);
    a wrong value is not remembered and is reported again on every row it appears in.
    """

    def __init__(self, table: Table, fields: list[str]):
        self.fields = [f for f in fields if table.has(f)]
        self._cells = [_Cell(table, table.layout.column(f)) for f in self.fields]
        self._memos = [cell.memo for cell in self._cells]
        self._missing = [_MISSING] * len(self._cells)
        indexes = [cell.index for cell in self._cells]
        if len(indexes) > 1:
            self.raw = itemgetter(*indexes)
        elif indexes:
            only = indexes[0]
            self.raw = lambda row: (row[only],)
        else:
            self.raw = lambda row: ()

    def parse(self, row: list[str], line: int, errors: ErrorLog, raw: tuple | None = None):
        values = list(map(dict.get, self._memos, raw or self.raw(row), self._missing))
        if _MISSING in values:
            ok = True
            for position, value in enumerate(values):
                if value is _MISSING:
                    cell = self._cells[position]
                    value = cell.read(row[cell.index], line, errors)
                    if value is _BAD:
                        ok = False
                        value = None
                    values[position] = value
            if not ok:
                return None
        return values
