"""The dashboard's static files (index.html, app.js, style.css), served by ``funding_rate_service.api``."""
