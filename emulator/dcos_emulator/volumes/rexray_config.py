"""REX-Ray settings that change what the emulator's volume store does, and reading them from a rexray.yaml.

Defaults are REX-Ray's (libStorage 0.9+, also 0.3.3): implicit create on, 16 GiB, fsType ext4, no volume
type (the backend's default), preempt off, no EBS tag prefix, used counts on. Loading is in `load()`.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SIZE_GIB = 16
DEFAULT_FS_TYPE = "ext4"


@dataclass(frozen=True)
class RexRayConfig:
    preempt: bool = False                 # libstorage.integration.volume.operations.mount.preempt / volume.mount.preempt
    size_gib: int = DEFAULT_SIZE_GIB      # ...volume.operations.create.default.size / volume.create.default.size
    volume_type: str = ""                 # ...create.default.type
    fs_type: str = DEFAULT_FS_TYPE        # ...create.default.fsType
    iops: int | None = None               # ...create.default.IOPS
    implicit_create: bool = True          # ...create.implicit
    ebs_tag: str | None = None            # ebs.tag: EC2 Name tag is "<tag>/<name>"
    ignore_used_count: bool = False       # ...volume.operations.unmount.ignoreusedcount
    source: str | None = None             # the file it came from, for messages

    def full_name(self, name: str) -> str:
        """The EC2 `Name` tag of a volume (REX-Ray EBS getFullName)."""
        return f"{self.ebs_tag}/{name}" if self.ebs_tag else name
