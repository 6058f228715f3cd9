"""Household members (§2): the file replaces the members of every household it names.

Members are kept in memory between the passes: a household file lists people, not
installments, and is an order of magnitude smaller than a receivables file.
"""

from __future__ import annotations

from civicdesk.core.choices import RevenueType
from civicdesk.privacy.field_policy import held_fields
from civicdesk.receivables.importers import bulk
from civicdesk.receivables.importers.errors import ErrorLog
from civicdesk.receivables.importers.layouts import HOUSEHOLD
from civicdesk.receivables.importers.mapping import Mapping
from civicdesk.receivables.importers.reader import Source
from civicdesk.receivables.importers.validate import CellGroup, open_table
from civicdesk.registry.models import Household, HouseholdMember

MEMBER_FIELDS = ["name", "name_kana", "sex", "birth_date", "relationship"]
_DEFAULTS = {"name": "", "name_kana": "", "sex": "", "birth_date": None, "relationship": ""}


def _held_anywhere() -> frozenset[str]:
    # The file has no revenue type: a column is held if any revenue type may hold it.
    return frozenset().union(*(held_fields(code) for code in RevenueType.values))


class CheckedHouseholds:
    def __init__(self, table, fields):
        self.table = table
        self.fields = fields  # MEMBER_FIELDS present in the file and held
        self.households: dict[str, dict[str, list]] = {}  # household_no → resident_no → values
        self.rows = 0

    def counts(self) -> dict:
        return {"rows": self.rows, "households": len(self.households), "members": self.rows}

    def columns(self) -> tuple[list[str], list[str]]:
        return self.table.kept_and_dropped(_held_anywhere())

    def write(self, *, run, acting_user, full, errors, progress) -> dict:
        created = updated = unchanged = deleted = 0
        municipality = run.municipality.pk
        numbers = list(self.households)
        found = bulk.ids_by_key(Household, "household_no", numbers, municipality=municipality)
        missing = [number for number in numbers if number not in found]
        bulk.insert(
            Household, ["municipality", "household_no"], [(municipality, n) for n in missing]
        )
        found.update(bulk.ids_by_key(Household, "household_no", missing, municipality=municipality))
        created += len(missing)
        for done, chunk in enumerate(bulk.chunks(numbers, bulk.WRITE_CHUNK), start=1):
            ids = [found[number] for number in chunk]
            existing: dict[int, dict[str, tuple]] = {pk: {} for pk in ids}
            columns = ["household", "resident_no", "id", *MEMBER_FIELDS]
            for row in bulk.select(HouseholdMember, columns, "household", ids):
                existing[row[0]][row[1]] = row[2:]
            new_rows, updates, stale = [], [], []
            for number in chunk:
                household_id = found[number]
                have = existing[household_id]
                for resident_no, values in self.households[number].items():
                    old = have.pop(resident_no, None)
                    base = dict(zip(MEMBER_FIELDS, old[1:], strict=True)) if old else _DEFAULTS
                    merged = dict(base)
                    merged.update({name: _stored(name, value) for name, value in values.items()})
                    row = [merged[name] for name in MEMBER_FIELDS]
                    if old is None:
                        new_rows.append((household_id, resident_no, *row))
                    elif row != list(old[1:]):
                        updates.append((*row, old[0]))
                    else:
                        unchanged += 1
                stale.extend(pk for pk, *_ in have.values())
            bulk.insert(HouseholdMember, ["household", "resident_no", *MEMBER_FIELDS], new_rows)
            bulk.update(HouseholdMember, MEMBER_FIELDS, updates)
            for piece in bulk.chunks(stale):
                HouseholdMember.objects.filter(pk__in=piece).delete()
            created += len(new_rows)
            updated += len(updates)
            deleted += len(stale)
            progress(min(1.0, done * bulk.WRITE_CHUNK / max(len(numbers), 1)))
        unchanged += len(found) - len(missing)
        return {
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "deleted": deleted,
        }

    def close(self) -> None:
        pass


def _stored(name: str, value):
    if value is None:
        return _DEFAULTS[name]
    return value


def check_households(
    source: Source, mapping: Mapping | None, errors: ErrorLog
) -> CheckedHouseholds:
    table, rows = open_table(source, HOUSEHOLD, mapping, errors)
    keys = CellGroup(table, ["household_no", "resident_no"])
    held = _held_anywhere()
    fields = [
        name for name in MEMBER_FIELDS if table.has(name) and HOUSEHOLD.column(name).policy in held
    ]
    member = CellGroup(table, fields)
    checked = CheckedHouseholds(table, fields)
    where: dict[str, tuple[str, int]] = {}  # resident_no → (household_no, line)
    household_column = table.names["household_no"]
    for line, row in rows:
        checked.rows += 1
        key_values = keys.parse(row, line, errors)
        values = member.parse(row, line, errors)
        if key_values is None or values is None:
            continue
        household_no, resident_no = key_values
        seen = where.get(resident_no)
        if seen is not None:
            other, other_line = seen
            reason = (
                f"同じ世帯員（宛名番号 {resident_no}）が {other_line} 行目にもあります"
                if other == household_no
                else f"宛名番号 {resident_no} は {other_line} 行目で別の世帯（{other}）にいます"
            )
            errors.add(line, household_column, reason)
            continue
        where[resident_no] = (household_no, line)
        checked.households.setdefault(household_no, {})[resident_no] = dict(
            zip(member.fields, values, strict=True)
        )
    return checked
