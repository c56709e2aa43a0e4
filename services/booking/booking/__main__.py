"""`python -m booking`: serve (default) or migrate."""
import sys

from shared.runner import main

from booking.app import MIGRATIONS, create_app
from booking.settings import BookingSettings

if __name__ == "__main__":
    sys.exit(main(BookingSettings, create_app, MIGRATIONS))
