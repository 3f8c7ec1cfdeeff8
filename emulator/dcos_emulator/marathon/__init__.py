"""Marathon 1.10 core of the emulator: apps, instances, deployments, scheduler, events."""
