"""Collectors: one per cloud, each turning SDK responses into an :class:`~scanner.facts.resource.Inventory`.

SDKs are imported lazily (inside the provider packages), so ``pacscan iac`` never pays for them.
"""
