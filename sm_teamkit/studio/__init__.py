"""Studio: identity, apps, pricing."""
