"""Venue and area subcommands of ``civicdesk cards``:

    civicdesk cards venue "江東区東砂6-3-5"
        {"area": "東砂6丁目", "venue": "本庁舎", "venue_name": "江東区役所２階"}
    civicdesk cards areas [--json]
        [{"area": "清澄1丁目", "town": "清澄", "chome": 1, "venue": "本庁舎"}, …]
    civicdesk cards setup-venues

``venue`` exits 2 when the address is in no area (「住所が町丁目の一覧にない: …（理由）」 on
stderr). ``venue`` and ``areas`` read the default municipality's areas in the database; on a
fresh install (no areas yet) they answer from the built-in table of 別紙① and say so on
stderr, so they work right after ``migrate``. ``setup-venues`` loads the three venues and the
table for the default municipality (idempotent).
"""

from __future__ import annotations

import json

from civicdesk.cards import catalogue
from civicdesk.cards.addresses import AddressError, AreaTable, built_in_table, table_in
from civicdesk.cards.commands.registry import Subcommand, register
from civicdesk.cards.services.venues import setup_venues
from civicdesk.core.models import Municipality

NOT_IN_TABLE = 2
BUILT_IN_NOTE = (
    "データベースに町丁目が登録されていないため、別紙①の組込みの表で答えます"
    "（登録: civicdesk cards setup-venues）。"
)
_VENUE_NAMES = {spec.short_name: spec.name for spec in catalogue.VENUES}


def _table(command) -> AreaTable:
    """The default municipality's areas, or the built-in table (said on stderr)."""
    municipality = Municipality.objects.default()
    table = table_in(municipality) if municipality is not None else None
    if table is None or not table.rows:
        command.stderr.write(BUILT_IN_NOTE)
        return built_in_table()
    return table


def _venue_names(row) -> tuple[str, str]:
    """(short name as 別紙① writes it, full name) of a database Area or a catalogue AreaRow."""
    venue = row.venue
    if isinstance(venue, str):
        return venue, _VENUE_NAMES.get(venue, venue)
    return venue.short_name, venue.name


def _label(row) -> str:
    return f"{row.town}{row.chome}丁目" if row.chome else row.town


# --- venue ADDRESS ---------------------------------------------------------------------------


def _venue_arguments(parser) -> None:
    parser.add_argument("address", help="住所（例: 江東区東砂6-3-5、東陽四丁目11番28号）")


def _venue(command, options: dict) -> int:
    table = _table(command)
    try:
        row = table.resolve(options["address"])
    except AddressError as error:
        command.stderr.write(
            f"住所が町丁目の一覧にない: {options['address']}（{error.reason.rstrip('。')}）"
        )
        return NOT_IN_TABLE
    short, name = _venue_names(row)
    answer = {"area": _label(row), "venue": short, "venue_name": name}
    command.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


register(Subcommand("venue", "住所の町丁目と交付会場を表示する（別紙①）", _venue_arguments, _venue))


# --- areas -------------------------------------------------------------------------------------


def _areas_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="JSON の一覧で出力する")


def _areas(command, options: dict) -> int:
    rows = list(_table(command).rows.values())
    listed = [
        {"area": _label(row), "town": row.town, "chome": row.chome, "venue": _venue_names(row)[0]}
        for row in rows
    ]
    if options["json"]:
        command.stdout.write(json.dumps(listed, ensure_ascii=False))
        return 0
    width = max((len(item["area"]) for item in listed), default=4)
    command.stdout.write(f"{'町丁目'.ljust(width, '　')}　交付会場")
    for item in listed:
        command.stdout.write(f"{item['area'].ljust(width, '　')}　{item['venue']}")
    command.stdout.write(f"計 {len(listed)} 町丁目")
    return 0


register(Subcommand("areas", "町丁目と交付会場の一覧（別紙①）", _areas_arguments, _areas))


# --- setup-venues ------------------------------------------------------------------------------


def _setup_arguments(parser) -> None:
    pass


def _setup(command, options: dict) -> int:
    municipality = Municipality.objects.default()
    if municipality is None:
        command.stderr.write("自治体が登録されていません（先に自治体を登録してください）。")
        return 1
    venues = setup_venues(acting_user=None, municipality=municipality)
    areas = len(table_in(municipality).rows)
    names = "、".join(venue.short_name for venue in venues)
    command.stdout.write(
        f"{municipality}: 交付会場 {len(venues)} か所（{names}）、町丁目 {areas} 件"
    )
    return 0


register(
    Subcommand(
        "setup-venues",
        "交付会場3か所と別紙①の町丁目を登録する（既存は変更しない）",
        _setup_arguments,
        _setup,
    )
)
