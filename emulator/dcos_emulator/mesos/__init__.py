"""Mesos master model: resources, operations, the framework API, renderers."""
