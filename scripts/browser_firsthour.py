"""The dashboard on a phone: called by scripts/browser_test.py once signed in.

At 420 pixels wide, every table of the overview, an instrument's page and the audit page sits in
a box of its own that scrolls sideways, so the page itself never does, and a date never breaks
over two lines, in a table or inside the timeline's text. The audit page states its page size and totals.
"""

from selenium.webdriver.common.by import By

PHONE = 420


def phone(driver, load, check, pages):
    """Checks `pages` (path and heading) at a phone's width, then gives the window back at 1280
    pixels; the last page is the audit page."""
    driver.set_window_size(PHONE, 900)
    try:
        for path, title in pages:
            load(driver, path, title)
            width = driver.find_element(By.TAG_NAME, "html").size["width"]
            boxes = driver.find_elements(By.CSS_SELECTOR, "div.scroll[role=region]")
            tables = driver.find_elements(By.TAG_NAME, "table")
            check(tables and len(boxes) == len(tables), f"{path}: every table is in its own box ({len(boxes)} of {len(tables)})")
            for box in boxes:
                right = box.location["x"] + box.size["width"]
                check(right <= width, f"{path}: the box of {box.get_attribute('aria-label')} ends within the screen ({right} > {width})")
            if "/instruments/" in path:
                days = driver.find_elements(By.CSS_SELECTOR, "ol.timeline span.date")
                check(days, f"{path}: the timeline's days are marked to stay whole ({len(days)})")
            for time in driver.find_elements(By.CSS_SELECTOR, "td time, span.date")[:50]:
                check(time.value_of_css_property("white-space") == "nowrap", f"{path}: a date never wraps ({time.text})")
        paging = driver.find_element(By.ID, "paging").text
        check(paging.startswith("Events ") and " a page: page " in paging, f"the audit page states its page and totals: {paging!r}")
    finally:
        driver.set_window_size(1280, 900)
