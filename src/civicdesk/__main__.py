"""The ``civicdesk`` command: Django's manage with the project's settings."""

import os
import sys

from django.core.management import execute_from_command_line

from civicdesk.env import ConfigError


def main() -> None:
    # Read when the command first touches settings, not when Django is imported above.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings")
    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        print(f"civicdesk: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
