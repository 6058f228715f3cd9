"""The public reservation site (/yoyaku/): residents book, change and cancel their card visit
with the 予約管理番号 and birth date alone. Served by its own entry point
(civicdesk.public_settings, civicdesk.public_wsgi) on a host that faces the internet."""
