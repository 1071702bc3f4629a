"""A board pack in headless Chromium, called by scripts/browser_test.py while signed in.

Opens Bexley's pack for 1 June 2024 from the dashboard as a web page (JavaScript off, as the main
run), checks its title, its contents list and its status table against the JSON API of the same
server and that no date breaks over two lines, checks the PDF link answers a PDF, and saves a
screenshot of the top of the page (the picture docs/packs.md shows, copied there by
COVENANT_UPDATE_SCREENSHOT=1).
"""

import os
import urllib.request

from selenium.webdriver.common.by import By

BODY = "bexley-health-and-wellbeing-board"
DAY = "2024-06-01"


def run(driver, url, api, check, token, shots):
    driver.set_window_size(1000, 1400)
    driver.get(f"{url}/dashboard/packs/{BODY}?as_of={DAY}&format=html")
    h1 = driver.find_element(By.TAG_NAME, "h1").text.strip()
    check(h1 == "Bexley Health and Wellbeing Board: delivery report, 1 June 2024", f"the pack's title is {h1!r}")
    contents = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "nav ol li a")]
    check(contents[0] == "Exceptions" and len(contents) == 5, f"the contents list the five sections: {contents}")
    board = api(f"/api/v1/status?body={BODY}&as_of={DAY}")["instruments"]
    rows = driver.find_elements(By.CSS_SELECTOR, "#status tbody tr")
    check(len(rows) == len(board), f"the pack lists the {len(board)} instruments the API gives: {len(rows)}")
    for instrument in board:
        check(any(r.find_element(By.TAG_NAME, "th").text == instrument["title"] for r in rows), instrument["title"])
    dates = driver.find_elements(By.CSS_SELECTOR, "span.date")
    due = driver.find_elements(By.CSS_SELECTOR, "#exceptions td span.date")
    check(dates and due, f"the pack marks its dates ({len(dates)}, {len(due)} in the exceptions)")
    for day in dates:
        check(day.value_of_css_property("white-space") == "nowrap", f"a date never wraps ({day.text})")
        check(day.size["height"] < 2 * float(day.value_of_css_property("font-size")[:-2]) * 1.4, f"{day.text} is on one line")

    request = urllib.request.Request(
        f"{url}/api/v1/packs/{BODY}?as_of={DAY}&format=pdf", headers={"Authorization": "Bearer " + token}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        check(response.headers["Content-Type"] == "application/pdf", "the PDF is a PDF")
        check(response.read(5) == b"%PDF-", "and starts as one")

    path = os.path.join(shots, "pack.png")
    check(driver.save_screenshot(path), "saved " + path)
    print("  screenshot", path)
