"""Simulated Mesos agents: work dirs, volumes, sandboxes, task processes."""
