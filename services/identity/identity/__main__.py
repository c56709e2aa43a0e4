"""`python -m identity`: serve (default) or migrate."""
import sys

from shared.runner import main

from .app import MIGRATIONS, create_app
from .settings import IdentitySettings

if __name__ == "__main__":
    sys.exit(main(IdentitySettings, create_app, MIGRATIONS))
