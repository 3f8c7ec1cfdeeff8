"""dcos-emulator: Marathon v2 + Mesos master APIs over local agents, real processes and real volume directories."""

__version__ = "0.1.0"
