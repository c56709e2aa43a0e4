"""The former name of identity's context, kept while the use cases still import it: the
context is ``identity.service.context.IdentityContext``."""
from identity.service.context import IdentityContext as IdentityRuntime

# The use cases' spelling of ``IdentityContext.producer`` (the settings' service_name), until
# they take it from the context.
PRODUCER = "identity"

__all__ = ["IdentityRuntime", "PRODUCER"]
