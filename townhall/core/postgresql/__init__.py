"""Django's PostgreSQL backend with a health check that costs no round trip and a raw cursor
for long statements (ADR 0019)."""
