"""How the access log and the registers name a command run without a signed-in user."""

from __future__ import annotations

import getpass
import os


def system_actor_name(command: str) -> str:
    """How the registers name a command run without --user: the command and the OS account
    that ran it (the server's shell access is what accounts for it)."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = f"uid {os.getuid()}"
    return f"コマンド {command}（OS: {account}）"
