"""Marathon configuration as DC/OS configures it (flags reported by /v2/info)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MarathonConfig:
    framework_id: str = "00000000-0000-0000-0000-000000000000-0000"
    hostname: str = "127.0.0.1"
    http_port: int = 8080
    mesos_master_url: str = "http://127.0.0.1:5050"
    mesos_role: str = "slave_public"
    principal: str = "dcos_marathon"
    version: str = "1.10.26"
    features: tuple = ("vips", "task_killing", "external_volumes", "gpu_resources")
    local_port_min: int = 10000
    local_port_max: int = 20000
    # Reported by /v2/info only: the emulator's RESERVE+CREATE+LAUNCH is one atomic accept, never unconfirmed.
    task_reservation_timeout_ms: int = 20000
    max_running_deployments: int = 100
    # Real Marathon waits for task_launch_timeout etc.; kill escalation for the emulator's processes:
    kill_grace_seconds: float = 3.0
    extra: dict = field(default_factory=dict)

    @property
    def leader(self) -> str:
        return f"{self.hostname}:{self.http_port}"

    def info(self, elected: bool = True) -> dict:
        """GET /v2/info body (InfoResource.scala); flags DC/OS sets plus Marathon defaults."""
        return {
            "name": "marathon",
            "version": self.version,
            "buildref": "emulated",
            "elected": elected,
            "leader": self.leader,
            "frameworkId": self.framework_id,
            "marathon_config": {
                "access_control_allow_origin": None,
                "checkpoint": True,
                "decline_offer_duration": 120000,
                "default_network_name": "dcos",
                "env_vars_prefix": None,
                "executor": "//cmd",
                "failover_timeout": 604800,
                "features": sorted(self.features),
                "framework_name": "marathon",
                "ha": True,
                "hostname": self.hostname,
                "launch_token": 100,
                "launch_token_refresh_interval": 30000,
                "leader_proxy_connection_timeout_ms": 5000,
                "leader_proxy_read_timeout_ms": 10000,
                "local_port_max": self.local_port_max,
                "local_port_min": self.local_port_min,
                "master": self.mesos_master_url,
                "max_instances_per_offer": 100,
                "mesos_bridge_name": "mesos-bridge",
                "mesos_heartbeat_failure_threshold": 5,
                "mesos_heartbeat_interval": 15000,
                "mesos_leader_ui_url": self.mesos_master_url.rstrip("/") + "/",
                "mesos_role": self.mesos_role,
                "mesos_user": "root",
                "min_revive_offers_interval": 5000,
                "offer_matching_timeout": 3000,
                "on_elected_prepare_timeout": 180000,
                "reconciliation_initial_delay": 15000,
                "reconciliation_interval": 600000,
                "scale_apps_initial_delay": 15000,
                "scale_apps_interval": 300000,
                "store_cache": True,
                "task_launch_confirm_timeout": 300000,
                "task_launch_timeout": 300000,
                "task_lost_expunge_initial_delay": 300000,
                "task_lost_expunge_interval": 30000,
                "task_reservation_timeout": self.task_reservation_timeout_ms,
                "webui_url": None,
                # Real Marathon 1.10's InfoResource has no mesos_authentication_principal key
                "maintenance_mode": True,
                "new_group_enforce_role": "Off",
            },
            "zookeeper_config": {
                "zk": "zk://zk-1.zk:2181,zk-2.zk:2181,zk-3.zk:2181/marathon",
                "zk_compression": True,
                "zk_compression_threshold": 65536,
                "zk_connection_timeout": 10000,
                "zk_max_node_size": 1024000,
                "zk_max_versions": 50,
                "zk_session_timeout": 10000,
                "zk_timeout": 10000,
            },
            "http_config": {"http_port": self.http_port, "https_port": 8443},
        }
