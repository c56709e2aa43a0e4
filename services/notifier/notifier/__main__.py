"""`python -m notifier`: serve (default) or migrate."""
import sys

from shared.runner import main

from notifier.app import MIGRATIONS, create_app
from notifier.settings import NotifierSettings

if __name__ == "__main__":
    sys.exit(main(NotifierSettings, create_app, MIGRATIONS))
