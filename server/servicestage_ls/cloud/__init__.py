"""The ServiceStage API: regions, credentials, the HTTP client and its errors.

Only ``regions`` is imported by the core (for validation); everything else loads httpx and is imported lazily,
when a cloud command first runs.
"""
