"""Headless Chromium through WebDriver, for the Volumes page test and its benchmark.

Debian's `chromium` and `chromium-driver` packages (`make browser` installs them) and the `selenium` client
(requirements-dev.txt). `unavailable()` says why a browser cannot be started here, or None.
"""

from __future__ import annotations

import os
import shutil
import tempfile

# This machine's network is closed: without these, Chromium waits on connections to Google's services
# (component updates, sync, QUIC probes) and the first page load hangs.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1400,1000",
)


def binaries() -> tuple[str | None, str | None]:
    browser = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    return browser, driver


def unavailable() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium WebDriver client is not installed (make venv)"
    browser, driver = binaries()
    if browser is None or driver is None:
        return ("Chromium or its driver is not installed (`make browser` installs Debian's chromium and "
                "chromium-driver; it needs apt-get and root)")
    return None


class Browser:
    """One headless Chromium with a fresh profile; `close()` ends it and removes the profile."""

    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        browser, driver = binaries()
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        self.driver = webdriver.Chrome(service=Service(executable_path=driver), options=options)
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(30)

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
