pytest_plugins = ["shared.testing.fixtures", "shared.testing.tokens", "shared.testing.system_fixtures"]
