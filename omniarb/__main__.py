"""Allow `python -m omniarb`."""

from omniarb.cli.main import main

raise SystemExit(main())
