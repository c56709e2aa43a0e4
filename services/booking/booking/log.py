"""Only for ``api/streams.py``, until the api layer's rewrite takes the one style every
module uses: ``log = get_logger(__name__)`` (``shared.logging``)."""
from shared.logging import get_logger

log = get_logger("booking.api")
