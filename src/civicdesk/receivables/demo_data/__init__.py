"""The synthetic demo municipality: Koto City's towns with residents who owe (issue 3 §6).

``generate(out_dir, obligors, seed)`` writes the files a municipality's core systems would
hand over, in CivicDesk's built-in layouts (formats/README.md): ``receivables.csv`` (§1, one
row per installment, CP932, Japanese headers) and ``household.csv`` (§2, every member of the
households concerned). ``civicdesk demo`` writes them into var/demo/ and loads them through
the real importer, so the demo exercises the same path as real data.

What is in it (docs/demo-data.md has the full description):

- Places: every town and 丁目 of Koto City from seed 004 (data/koto_towns.yaml), addresses as
  the resident register writes them (東京都江東区東陽四丁目11番28号), 方書 for apartments.
- People: households (one-person, elderly, couples, families with children, three
  generations), common surnames and given names of each generation with readings
  (data/names.yaml), a few foreign residents, some with a registered alias (通称名).
- Money: all five revenue types with the wards' schedules, typical yearly amounts split into
  periods, payments stopped, partial (分納) or now and then, demand-notice and reminder dates,
  some account transfer (口座振替). Mostly this and last fiscal year, some older.
- Phones: landlines in 03-1xxx-xxxx (a local exchange code never starts with 1, so these
  numbers cannot exist) and mobiles in 070-99xx-xxxx (valid in form, assigned to no carrier
  in the MIC allocation data ``phonenumbers`` carries). No demo number reaches a person.

Determinism: everything is drawn from one ``random.Random(seed)`` in a fixed order and dated
relative to ``as_of`` (default: the first day of the current month), so the same obligors,
seed and as_of give byte-identical files.
"""

from civicdesk.receivables.demo_data.writer import (
    HOUSEHOLD_FILE,
    HOUSEHOLD_HEADERS,
    MAX_OBLIGORS,
    RECEIVABLES_FILE,
    RECEIVABLES_HEADERS,
    default_as_of,
    generate,
)

__all__ = [
    "HOUSEHOLD_FILE",
    "HOUSEHOLD_HEADERS",
    "MAX_OBLIGORS",
    "RECEIVABLES_FILE",
    "RECEIVABLES_HEADERS",
    "default_as_of",
    "generate",
]
