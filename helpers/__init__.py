"""Cross-cutting helpers: logging with secret redaction, config loading, UTC time, Decimal."""
