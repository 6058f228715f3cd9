"""The ``civicdesk`` command: Django's manage with the project's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings")
    from civicdesk.env import ConfigError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        print(f"civicdesk: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
