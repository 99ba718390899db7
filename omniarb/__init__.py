"""omni-arb: multi-chain DEX arbitrage for EVM chains.

The package follows the data flow collect → state → detect → risk → score → allocate → execute →
track; see the README for the layout. Only the command line (`omniarb.cli`) writes to the terminal.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
