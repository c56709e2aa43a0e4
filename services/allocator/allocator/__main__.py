"""`python -m allocator`: serve (default) or migrate."""
import sys

from shared.runner import main

from allocator.app import MIGRATIONS, create_app
from allocator.settings import AllocatorSettings

if __name__ == "__main__":
    sys.exit(main(AllocatorSettings, create_app, MIGRATIONS))
