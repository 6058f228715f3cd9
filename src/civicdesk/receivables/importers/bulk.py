"""The database's own bulk paths, and a spill file for rows between the two passes.

Inserts go through COPY on PostgreSQL and ``executemany`` on SQLite; updates through one
``UPDATE … FROM (VALUES …)`` per batch on PostgreSQL (executemany there is one round trip per
row). Model instances are never built: at 400,000 rows their cost is most of an import.
Callers pass values already in database form (dates as ``YYYY-MM-DD``).
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager

from django.db import connection, models

LOOKUP_CHUNK = 900  # under SQLite's 999 parameters per statement
WRITE_CHUNK = 5000  # rows compared and written together
UPDATE_BATCH = 1000


@contextmanager
def _cursor():
    """The driver's own cursor, with Django's error translation.

    Not Django's debug cursor: with DEBUG on it keeps the text of every statement, which at
    this size is hundreds of megabytes of keys.
    """
    with connection.cursor() as wrapper, connection.wrap_database_errors:
        yield wrapper.cursor


def chunks(items: Sequence, size: int = LOOKUP_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _columns(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    return [model._meta.get_field(name) for name in names]


def insert(model: type[models.Model], names: Sequence[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in ``names`` order) into the model's table."""
    if rows:
        with Inserter(model, names) as inserter:
            inserter.extend(rows)


class Inserter:
    """Rows streamed into one table: one COPY on PostgreSQL, ``executemany`` batches on SQLite.

    On PostgreSQL the server stores and indexes what has been sent while Python prepares
    the next rows (two processes, two cores); no other statement may run on the connection
    until the block ends.
    """

    BATCH = 5000

    def __init__(self, model: type[models.Model], names: Sequence[str], *, plain: bool = False):
        """``plain``: every value is an int, None or text without tab, newline or backslash
        (checked numbers, ISO dates, codes), so COPY lines are joined here, not by psycopg."""
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(field.column) for field in _columns(model, names))
        self.width = len(names)
        self.count = 0
        self._rows: list[tuple] = []
        self._stack = ExitStack()
        self._copy = None
        self._plain = plain

    def __enter__(self) -> Inserter:
        cursor = self._stack.enter_context(_cursor())
        if connection.vendor == "postgresql":
            self._copy = self._stack.enter_context(
                cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN")
            )
        self._cursor = cursor
        return self

    def add(self, row: tuple) -> None:
        self.count += 1
        if self._copy is not None and not self._plain:
            self._copy.write_row(row)
            return
        self._rows.append(row)
        if len(self._rows) >= self.BATCH:
            self._flush()

    def extend(self, rows: Iterable[tuple]) -> None:
        for row in rows:
            self.add(row)

    def _flush(self) -> None:
        if self._rows and self._copy is not None:
            self._copy.write(
                "".join(
                    "\t".join([r"\N" if value is None else str(value) for value in row]) + "\n"
                    for row in self._rows
                )
            )
            self._rows = []
        elif self._rows:
            marks = ", ".join(["%s"] * self.width)
            self._cursor.executemany(
                f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})", self._rows
            )
            self._rows = []

    def __exit__(self, kind, value, traceback) -> None:
        try:
            if kind is None:
                self._flush()
        finally:
            self._stack.__exit__(kind, value, traceback)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for ``count`` rows about to be inserted (so no SELECT is needed after).

    PostgreSQL hands them out from the table's sequence, safe beside other writers. SQLite
    continues after the largest key ever used (AUTOINCREMENT's sqlite_sequence); the import's
    write transaction holds SQLite's only write lock, so nobody else can take them, provided
    the rows are inserted before the next reservation for the same table.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with _cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")
        largest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(largest, found[0] if found else 0) + 1
    return list(range(start, start + count))


def update(model: type[models.Model], names: Sequence[str], rows: list[tuple]) -> None:
    """Set ``names`` on the rows whose primary key is each tuple's last value."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = _columns(model, names)
    pk = quote(model._meta.pk.column)
    with _cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", rows)
            return
        casts = [field.cast_db_type(connection) for field in fields]
        casts.append(model._meta.pk.cast_db_type(connection))
        aliases = [f"c{number}" for number in range(len(fields))] + ["pk"]
        row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
        assignments = ", ".join(
            f"{quote(field.column)} = v.{alias}"
            for field, alias in zip(fields, aliases, strict=False)
        )
        for batch in chunks(rows, UPDATE_BATCH):
            values = ", ".join([row_sql] * len(batch))
            params = [value for row in batch for value in row]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {values}) "
                f"AS v({', '.join(aliases)}) WHERE {table}.{pk} = v.pk",
                params,
            )


def select(
    model: type[models.Model],
    names: Sequence[str],
    key: str,
    keys: Iterable,
    **equal,
) -> Iterator[tuple]:
    """Rows (``names``) whose ``key`` is one of ``keys`` and whose ``equal`` columns match.

    Raw SQL, 900 keys a statement: at hundreds of thousands of rows the ORM's query building
    costs more than the database. Dates come back as ``YYYY-MM-DD`` text (cast in SQL), the
    form the importer compares them in.
    """
    quote = connection.ops.quote_name
    fields = _columns(model, names)
    table = quote(model._meta.db_table)
    conditions = [f"{quote(model._meta.get_field(name).column)} = %s" for name in equal]
    key_column = quote(model._meta.get_field(key).column)
    selected = [
        f"CAST({quote(field.column)} AS TEXT)" if _is_date(field) else quote(field.column)
        for field in fields
    ]
    sql = f"SELECT {', '.join(selected)} FROM {table} WHERE "
    postgresql = connection.vendor == "postgresql"
    keys = list(keys)
    with _cursor() as cursor:
        # PostgreSQL takes the keys as one array parameter: psycopg's client-side binding
        # parses every placeholder, and 900 of them per statement add up.
        for chunk in chunks(keys, 20_000) if postgresql else chunks(keys):
            if postgresql:
                condition, params = f"{key_column} = ANY(%s)", [list(chunk)]
            else:
                condition, params = f"{key_column} IN ({', '.join(['%s'] * len(chunk))})", chunk
            cursor.execute(sql + " AND ".join([*conditions, condition]), [*equal.values(), *params])
            yield from cursor.fetchall()


def _is_date(field: models.Field) -> bool:
    return isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField)


def ids_by_key(model: type[models.Model], key: str, keys: Iterable, **equal) -> dict:
    """{key value: primary key} for the rows whose ``key`` is in ``keys``."""
    return dict(select(model, [key, model._meta.pk.name], key, keys, **equal))


def has_rows(model: type[models.Model], **equal) -> bool:
    return model.objects.filter(**equal).exists()


class Spill:
    """Rows kept on disk between the checking pass and the writing pass (marshal, in chunks)."""

    CHUNK = 10_000

    def __init__(self):
        # Closed by close(), which the importer calls in a finally block.
        self._file = tempfile.TemporaryFile(prefix="civicdesk-import-")  # noqa: SIM115
        self._buffer: list[tuple] = []
        self.count = 0

    def extend(self, records: list[tuple]) -> None:
        self.count += len(records)
        self._buffer.extend(records)
        if len(self._buffer) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            # Length-prefixed: marshal.load on a file reads it a few bytes at a time.
            blob = marshal.dumps(self._buffer)
            self._file.write(len(blob).to_bytes(8, "little"))
            self._file.write(blob)
            self._buffer = []

    def chunks(self) -> Iterator[list[tuple]]:
        self._flush()
        self._file.seek(0)
        while size := self._file.read(8):
            yield marshal.loads(self._file.read(int.from_bytes(size, "little")))

    def close(self) -> None:
        self._file.close()
