"""Shared machinery for every venue, written once: HTTP, rate limits, WebSocket connection,
order book, precision, symbols, ids, the event stream and order-submission resolution."""
