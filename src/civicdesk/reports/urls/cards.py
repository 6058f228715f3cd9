"""URLs of the card reports, under /reports/cards/ (joined in reports/urls/__init__.py): the
index, the daily and monthly pages and their files (xlsx, pdf, csv, json)."""

from django.urls import path, register_converter

from civicdesk.reports.views import cards


class CardsKindConverter:
    regex = "daily|monthly"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


class CardsFormatConverter(CardsKindConverter):
    regex = "xlsx|pdf|csv|json"


register_converter(CardsKindConverter, "cards_report_kind")
register_converter(CardsFormatConverter, "cards_report_format")

urlpatterns = [
    path("cards/", cards.index, name="cards_index"),
    path("cards/daily/<str:period>/", cards.daily, name="cards_daily"),
    path("cards/monthly/<str:period>/", cards.monthly, name="cards_monthly"),
    path(
        "cards/<cards_report_kind:kind>/<str:period>/<cards_report_format:fmt>/",
        cards.download,
        name="cards_download",
    ),
]
