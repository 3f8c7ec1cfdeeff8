"""`python -m dcos_emulator` runs the same CLI as the `dcos-emulator` console script."""

from dcos_emulator.cli import main

raise SystemExit(main())
