"""Empty: identity consumes no events (it only produces them); here so every service has the same rooms."""
