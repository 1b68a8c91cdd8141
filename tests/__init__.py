"""Test suite root (a package, so that tests/simulator is imported as tests.simulator and never
shadows the simulator package under pytest --import-mode=importlib)."""
