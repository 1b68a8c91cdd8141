"""Trading strategies built on the exchange-client contract (funding arbitrage, grid)."""
