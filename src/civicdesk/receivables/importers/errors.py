"""Import errors, written ``FILE:LINE:COLUMN: reason`` like a compiler's."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR_LIMIT = 1000
NO_COLUMN = "-"


@dataclass(frozen=True)
class ImportRowError:
    """One problem: the file, its physical line (header = 1), the column as headed in the file."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.reason}"

    def as_dict(self) -> dict:
        return asdict(self)


class ErrorLog:
    """Counts every error and keeps the first ``ERROR_LIMIT`` of them."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[ImportRowError] = []
        self.count = 0

    def add(self, line: int, column: str | None, reason: str, *, file: str | None = None) -> None:
        self.count += 1
        if len(self.items) < ERROR_LIMIT:
            self.items.append(ImportRowError(file or self.file, line, column or NO_COLUMN, reason))

    def __bool__(self) -> bool:
        return self.count > 0


class Stop(Exception):
    """Nothing more can be checked (an empty file, a missing header): the errors say why."""
