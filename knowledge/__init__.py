"""Netwerkwijzer knowledge base: YAML content, loader, validator and rule engine (pure)."""
