"""`python -m identity`: serve (default), migrate, create-user or rotate-signing-key."""
import sys

from shared.runner import main

from identity.app import MIGRATIONS, create_app
from identity.cli import COMMAND, add_create_user_parser, create_user_command
from identity.key_cli import COMMAND as ROTATE, add_rotate_parser, rotate_signing_key_command
from identity.settings import IdentitySettings


def configure_parser(sub) -> None:
    add_create_user_parser(sub)
    add_rotate_parser(sub)


if __name__ == "__main__":
    sys.exit(main(IdentitySettings, create_app, MIGRATIONS,
                  extra_commands={COMMAND: create_user_command, ROTATE: rotate_signing_key_command},
                  configure_parser=configure_parser))
