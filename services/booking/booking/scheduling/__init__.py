"""The cutoff scheduler: the shared background loop (``shared.ticker.Ticker``) running one
pass of the day's due work (``daily_work``: close dates at their cutoff, sweep no-shows at
closing time) in every replica, started and stopped with the app (``lifecycle``)."""
