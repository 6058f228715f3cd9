from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "civicdesk.cards"
    label = "cards"
    verbose_name = "個人番号カード交付"

    def ready(self) -> None:
        # Imported here: the models these modules use are loaded only now.
        from civicdesk.cards import personal_data
        from civicdesk.privacy.personal_data import register_personal_data

        register_personal_data(personal_data.PERSONAL_DATA)
