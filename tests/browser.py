"""Reading a Snakemake report as a person does: headless Chromium, clicking through its menus.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package (``.[dev]``).
"""

import itertools
import os
import re
import shutil
import time
from pathlib import Path

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def chromium():
    """A headless Chromium session; skipped where the browser is not installed (CI requires it)."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        if os.environ.get("CSRAE_REQUIRE_BROWSER"):
            raise RuntimeError(f"{CHROMIUM} and {CHROMEDRIVER} are needed: apt-get install chromium chromium-driver")
        pytest.skip("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1600,1200")
    options.binary_location = CHROMIUM
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def wait_for(condition, timeout=10.0):
    """Poll ``condition()`` until it returns something true; return that, or fail after ``timeout`` s."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > end:
            assert value, f"timed out waiting for {condition}"
            return value
        time.sleep(0.05)


def shown_result(driver, before: str | None) -> tuple[str, str, dict]:
    """What the report's main pane shows once it no longer shows ``before`` (a data URI): the new data
    URI, its file name, and an image's decoded size or an HTML page's table rows and text (read inside
    its frame)."""
    from selenium.webdriver.common.by import By

    def source():
        frames = driver.find_elements(By.CSS_SELECTOR, "iframe[src^='data:text/html']")
        images = driver.find_elements(By.CSS_SELECTOR, "img[src^='data:image/png']")
        element = (frames or images or [None])[0]
        return element if element is not None and element.get_attribute("src") != before else None

    element = wait_for(source)
    uri = element.get_attribute("src")
    name = re.search(r"filename=([^;]+);", uri)[1]
    if element.tag_name == "img":
        size = wait_for(lambda: driver.execute_script(
            "const i = arguments[0]; return i.complete && i.naturalWidth ? [i.naturalWidth, i.naturalHeight] : null",
            element))  # fmt: skip
        return uri, name, {"width": size[0], "height": size[1]}
    driver.switch_to.frame(element)
    try:
        body = wait_for(lambda: driver.find_element(By.TAG_NAME, "body").text)
        rows = len(driver.find_elements(By.CSS_SELECTOR, "table tbody tr"))
        return uri, name, {"rows": rows, "text": body}
    finally:
        driver.switch_to.default_content()


def click(driver, xpath: str, index: int = 0) -> None:
    """Click the ``index``-th element at ``xpath`` once it has stopped moving, as a person would. The
    report styles itself after loading (its Tailwind CSS is compiled in the page), so the menu can
    shift under the pointer: a click that another element intercepts did not happen and is retried on
    a fresh lookup."""
    from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    last_rect, error = None, None

    def clicked():
        nonlocal last_rect, error
        try:
            element = driver.find_elements(By.XPATH, xpath)[index]
            rect = element.rect
            moved, last_rect = rect != last_rect, rect
            if moved:  # still being laid out: look again at the next poll
                return False
            element.click()
            return True
        except (IndexError, ElementClickInterceptedException, StaleElementReferenceException) as caught:
            error = caught
            return False

    try:
        wait_for(clicked)
    except AssertionError:
        raise AssertionError(f"could not click {xpath} [{index}]: {error!r}") from error


def report_results(report: Path) -> list[tuple[str, str, str, dict]]:
    """Every result reachable from the report's menu: (category, subcategory, file name, what is shown),
    found by clicking each category, each subcategory, each combination of toggled label values and each
    result's view button."""
    from selenium.webdriver.common.by import By

    driver = chromium()
    try:
        driver.get(report.resolve().as_uri())
        wait_for(lambda: driver.execute_script("return typeof categories !== 'undefined'"))
        menu = driver.execute_script(
            "return Object.fromEntries(Object.entries(categories).map(([c, s]) => [c, Object.keys(s)]))"
        )
        found = []
        for category, subcategories in menu.items():
            for subcategory in subcategories:
                driver.get(report.resolve().as_uri())
                click(driver, f"//a[span[text()={category!r}]]")
                if len(subcategories) > 1:  # a lone subcategory opens with its category
                    click(driver, f"//a[span[text()={subcategory!r}]]")
                wait_for(lambda: driver.find_elements(By.XPATH, "//a[@iconname='eye']"))
                # Two-valued labels are toggles: each combination of their values shows other results.
                toggles = [
                    [radio.get_attribute("id") for radio in group.find_elements(By.CSS_SELECTOR, "input[type=radio]")]
                    for group in driver.find_elements(By.CSS_SELECTOR, "fieldset")
                ]
                shown_uri = None
                for choice in itertools.product(*toggles):
                    for radio in choice:
                        click(driver, f"//label[@for={radio!r}]")
                    for index in range(len(driver.find_elements(By.XPATH, "//a[@iconname='eye']"))):
                        click(driver, "//a[@iconname='eye']", index)
                        shown_uri, name, shown = shown_result(driver, shown_uri)
                        found.append((category, subcategory, name, shown))
        return found
    finally:
        driver.quit()
