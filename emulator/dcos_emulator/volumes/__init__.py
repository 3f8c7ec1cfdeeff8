"""External (DVDI) volumes: what dvdcli + REX-Ray + a block-storage backend (local files or EBS in moto) do on
the agents (see store.py)."""
