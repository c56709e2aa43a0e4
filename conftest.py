pytest_plugins = ["testsupport.fixtures", "testsupport.tokens", "testsupport.system_fixtures"]
