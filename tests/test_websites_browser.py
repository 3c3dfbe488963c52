"""WS-07 in a real browser: the public listing's HTML, searched, paged through, and a site's
verification page opened from the mark on the site itself.

Debian's chromium, headless, driven through its chromedriver by selenium; skipped, saying why,
where they are not installed (``make test`` installs them: the Makefile's ``browser`` target).
The browser runs in a thread: the service and the units' sites answer on this test's loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest

from . import test_websites_journey as journey
from .factories import login
from .test_websites_journey import EDUCATION_HOST, HOST, listed_site, registered_unit, second_site

#: The journey's servers and client, shared: DNS and the units' sites on loopback.
client, dns_server, sites = journey.client, journey.dns_server, journey.sites
crawl_seconds = journey.crawl_seconds

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and DRIVER.exists()),
    reason="no browser: install Debian's chromium and chromium-driver (make browser)",
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def browse(service: str, site_port: int, codes: dict[str, str]) -> dict[str, object]:
    """What a visitor sees, step by step; returned for the test to judge."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    def follow(element) -> None:
        """Click, and go on once the page it leads to has replaced this one."""
        page = driver.find_element(By.TAG_NAME, "html")
        element.click()
        WebDriverWait(driver, 15).until(expected_conditions.staleness_of(page))

    profile = tempfile.mkdtemp(prefix="govflow-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    # The units' domains reach the sites served on loopback, as DNS would send a visitor.
    rules = ",".join(f"MAP {h} 127.0.0.1" for h in (HOST, EDUCATION_HOST))
    options.add_argument(f"--host-resolver-rules={rules}")
    seen: dict[str, object] = {}
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    driver.set_page_load_timeout(30)
    try:
        driver.get(f"{service}/api/websites/public/sites.html?region=110000&per_page=1")
        seen["area"] = driver.find_element(By.ID, "area").text
        seen["first_page"] = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "a.site-name")]
        follow(driver.find_element(By.ID, "next"))
        seen["second_page"] = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "a.site-name")]
        search = driver.find_element(By.ID, "q")
        search.clear()
        search.send_keys("公安")
        follow(driver.find_element(By.ID, "search-button"))
        seen["searched"] = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "a.site-name")]
        seen["site_link"] = driver.find_element(By.CSS_SELECTOR, "a.site-name").get_attribute(
            "href"
        )
        # The site itself, its mark at the bottom: clicking it verifies the site.
        driver.get(f"http://{HOST}:{site_port}/")
        seen["site_title"] = driver.title
        driver.find_element(By.CSS_SELECTOR, f"#_govflow_mark_{codes[HOST]} a").click()
        WebDriverWait(driver, 15).until(expected_conditions.number_of_windows_to_be(2))
        driver.switch_to.window(driver.window_handles[-1])
        WebDriverWait(driver, 15).until(
            expected_conditions.presence_of_element_located((By.ID, "website-name"))
        )
        seen["verified_name"] = driver.find_element(By.ID, "website-name").text
        seen["verified_unit"] = driver.find_element(By.ID, "unit-name").text
        seen["verified_code"] = driver.find_element(By.ID, "code").text
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return seen


async def test_WS07_a_visitor_searches_pages_through_and_verifies_from_the_mark(
    client,
    dns_server,
    sites,
    stopped_clock,
):

    at = stopped_clock(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    reviewer = await login(client, "establishment-bj")
    unit = await registered_unit(client)
    _, police = await listed_site(client, sites, unit, reviewer)
    at(hours=2)
    education = await second_site(client, dns_server, sites, reviewer)
    service = str(client.make_url("")).rstrip("/")
    seen = await asyncio.to_thread(
        browse, service, sites.port, {HOST: police, EDUCATION_HOST: education}
    )
    assert seen["area"] == "北京市"
    assert seen["first_page"] == ["北京市教育委员会网"]  # the newest approval first
    assert seen["second_page"] == ["北京市公安局网"]
    assert seen["searched"] == ["北京市公安局网"], seen
    assert seen["site_link"] == f"http://{HOST}/"
    assert seen["site_title"] == "北京市公安局网 - 首页"
    assert seen["verified_name"] == "北京市公安局网"
    assert seen["verified_unit"] == "北京市公安局"
    assert seen["verified_code"] == police
