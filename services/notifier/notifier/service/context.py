"""What the notifier's consumer, sender and background loops share: the shared runtime
(``shared.app.ServiceContext``: the pool, the clock, the producer name), the notifier's
metrics, and its workers - the sender (the only caller of the provider), the sweeper and
the backlog gauges. Built once per app by ``notifier.bootstrap``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from shared.app import ServiceContext

from notifier.metrics import NotifierMetrics
from notifier.settings import NotifierSettings
from notifier.service.backlog import BacklogGauges
from notifier.service.sender import Sender
from notifier.service.sweeper import Sweeper


@dataclass
class NotifierContext(ServiceContext):
    # One per app: it registers the app's own metrics on the runtime's registry.
    metrics: NotifierMetrics = field(init=False)
    sender: Sender = field(init=False)
    sweeper: Sweeper = field(init=False)
    gauges: BacklogGauges = field(init=False)

    def __post_init__(self) -> None:
        self.metrics = NotifierMetrics(self.runtime.metrics.registry)
        self.sender = Sender(self)
        self.sweeper = Sweeper(self)
        self.gauges = BacklogGauges(self)

    @property
    def settings(self) -> NotifierSettings:
        return cast(NotifierSettings, self.runtime.settings)   # the notifier's bootstrap built it with these
