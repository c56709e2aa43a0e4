"""`python -m identity`: serve (default), migrate, or create-user."""
import sys

from shared.runner import main

from .app import MIGRATIONS, create_app
from .cli import COMMAND, add_create_user_parser, create_user_command
from .settings import IdentitySettings

if __name__ == "__main__":
    sys.exit(main(IdentitySettings, create_app, MIGRATIONS,
                  extra_commands={COMMAND: create_user_command}, configure_parser=add_create_user_parser))
