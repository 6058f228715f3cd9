"""What a purge covers: every app's declared rows and files for a scope (privacy.personal_data),
counted for the plan and the certificate. Imports no domain app."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import models

from civicdesk.oversight.models import PurgeScope
from civicdesk.privacy.personal_data import Selection, declarations


def items() -> list[tuple[str, str]]:
    """(key, label) of everything a purge counts, in the order the certificate lists them:
    the declared rows floor by floor, then the files."""
    rows = [(item.key, item.label) for d in declarations() for item in d.items]
    labels = [d.file_label for d in declarations() if d.file_label]
    return [*rows, ("files", f"ファイル（{'・'.join(labels)}）" if labels else "ファイル")]


@dataclass
class Targets:
    """Every item of a scope as a queryset (evaluated before anything is removed), in the order
    the rows go: the apps from the top floor down, each app's items children first."""

    selection: Selection
    querysets: dict[str, models.QuerySet]
    files: list[Path] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found = {key: qs.count() for key, qs in self.querysets.items()}
        found["files"] = sum(_file_count(path) for path in self.files)
        return {key: found.get(key, 0) for key, _label in items()}

    def delete_order(self) -> list[str]:
        return list(self.querysets)


def targets(*, municipality, scope: str, revenue_type: str = "") -> Targets:
    selection = Selection(
        municipality=municipality, revenue_type="" if scope == PurgeScope.ALL else revenue_type
    )
    found = declarations()
    for declaration in found:
        if declaration.narrow is not None:
            declaration.narrow(selection)
    selected = [declaration.select(selection) for declaration in found]
    querysets = {key: qs for chosen in reversed(selected) for key, qs in chosen.items()}
    files = [path for d in found if d.files is not None for path in d.files(selection)]
    return Targets(selection, querysets, [path for path in files if path.exists()])


def _file_count(path: Path) -> int:
    if path.is_dir():
        return sum(1 for item in path.rglob("*") if item.is_file())
    return 1 if path.exists() else 0
