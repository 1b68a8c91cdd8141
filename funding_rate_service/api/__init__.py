"""HTTP API of the funding-rate service (aiohttp)."""

from funding_rate_service.api.app import SERVICE_KEY, ApiError, create_app

__all__ = ["create_app", "SERVICE_KEY", "ApiError"]
