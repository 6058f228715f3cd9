from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "civicdesk.registry"
    label = "registry"
    verbose_name = "宛名（納付義務者・世帯・電話番号）"
