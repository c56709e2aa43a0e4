"""A whole system per test module, for tests that break parts of it on purpose, in a
database and vhost of its own: the session's shared system (testsupport.system_fixtures)
must neither see their faults nor compete for their queues."""
from __future__ import annotations


from testsupport.system_fixtures import module_system_fixtures

# the fault suites book weeks of 2027
sms_provider, mint, system = module_system_fixtures(years=(2027,))
