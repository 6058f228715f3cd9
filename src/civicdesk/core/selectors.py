"""Read queries of the core app (calendar pages)."""


def today_by_service(user) -> list:
    return []


def calendar_month_context(request) -> dict:
    return {}
