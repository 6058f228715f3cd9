from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "civicdesk.receivables"
    label = "receivables"
    verbose_name = "収納（口座・期別・納付）"
