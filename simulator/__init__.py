"""The local simulator: one venue-agnostic exchange model (``simulator.engine``) that each venue
module (``simulator.venues.<venue>``) dresses in that venue's real wire protocol, served on
loopback by ``simulator.server``. See docs/SIMULATOR.md.

Import rule (ARCHITECTURE §1): this package imports only ``helpers`` and third-party libraries.
"""
