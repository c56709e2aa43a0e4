"""`python -m allocator`: serve (default) or migrate."""
import sys

from shared.runner import main

from .app import MIGRATIONS, create_app
from .settings import AllocatorSettings

if __name__ == "__main__":
    sys.exit(main(AllocatorSettings, create_app, MIGRATIONS))
