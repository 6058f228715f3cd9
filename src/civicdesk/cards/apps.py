from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "civicdesk.cards"
    label = "cards"
    verbose_name = "個人番号カード交付"
