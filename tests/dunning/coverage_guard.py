"""The coverage guard (ADR 0011): tests/conftest.py runs it after every test that touched the
database, so every writer of contacts is held to the report columns it keeps on the contact."""

from __future__ import annotations

from collections import defaultdict

from civicdesk.dunning.coverage import bit, reached_on
from civicdesk.dunning.models import Contact, ContactAccount, Promise


def mismatched_contacts(limit: int = 20) -> list[int]:
    """Contacts whose coverage, promised or ContactAccount.reached_on disagree with their
    ContactAccount and Promise rows (at most ``limit`` ids)."""
    covered: dict[int, int] = defaultdict(int)
    reached_days: dict[int, set] = defaultdict(set)
    rows = ContactAccount.objects.values_list(
        "contact_id", "account__revenue_type", "account__collection_kind", "reached_on"
    )
    for contact_id, revenue_type, kind, day in rows:
        covered[contact_id] |= bit(revenue_type, kind)
        reached_days[contact_id].add(day)
    promised = set(Promise.objects.values_list("contact_id", flat=True))
    wrong = []
    for contact in Contact.objects.order_by("pk").only("pk", "coverage", "promised", "party", "at"):
        expected_days = {reached_on(contact)} if contact.pk in reached_days else set()
        if (
            contact.coverage != covered.get(contact.pk, 0)
            or contact.promised != (contact.pk in promised)
            or reached_days.get(contact.pk, set()) != expected_days
        ):
            wrong.append(contact.pk)
            if len(wrong) >= limit:
                break
    return wrong
