from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "civicdesk.sms"
    label = "sms"
    verbose_name = "SMS"
