"""The dashboard in headless Chromium: run by scripts/browser-test, which starts the server.

Signs in through the sign-in form with JavaScript switched off, loads each page, checks its key
figures against the JSON API of the same server, and saves a screenshot of each page. Reads the
token from standard input; exits non-zero on the first failure.
"""

import base64
import json
import os
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["COVENANT_URL"]
SHOTS = os.environ["COVENANT_SCREENSHOTS"]
TOKEN = sys.stdin.read().strip()
BLUEPRINT = "lincolnshire-homes-for-independence-blueprint"
MINUTE_45 = "west-lindsey-pcc-2021-03-09-45"
PAST = "2021-01-01"
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green", None: "Not rated"}

checked = 0


def check(condition, what):
    global checked
    if not condition:
        raise AssertionError(what)
    checked += 1


def api(path):
    request = urllib.request.Request(URL + path, headers={"Authorization": "Bearer " + TOKEN})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def text(element, css):
    return element.find_element(By.CSS_SELECTOR, css).text.strip()


def shot(driver, name):
    # The whole page, not only the window: widen the window to the page's height first.
    height = driver.find_element(By.TAG_NAME, "body").size["height"]
    driver.set_window_size(1280, max(900, min(height + 40, 6000)))
    path = os.path.join(SHOTS, name + ".png")
    check(driver.save_screenshot(path), "saved " + path)
    print("  screenshot", path)


def load(driver, path, title):
    driver.get(URL + path)
    check("sign-in" not in driver.current_url, f"{path} is shown, not the sign-in page")
    h1 = text(driver, "main h1")
    check(h1 == title, f"{path}: the heading is {h1!r}, not {title!r}")
    for landmark in ("header", "nav", "main"):
        check(driver.find_elements(By.TAG_NAME, landmark), f"{path} has a <{landmark}>")
    for control in driver.find_elements(By.CSS_SELECTOR, "main select, main input:not([type=hidden])"):
        ident = control.get_attribute("id")
        check(ident and driver.find_elements(By.CSS_SELECTOR, f"label[for='{ident}']"), f"{path}: {ident} is labelled")
    for rag in driver.find_elements(By.CSS_SELECTOR, ".rag"):
        check(rag.text in RAG_WORDS.values(), f"{path}: RAG is written as a word, not {rag.text!r}")


def overview(driver, as_of):
    suffix = f"?as_of={as_of}" if as_of else ""
    board = api("/api/v1/status" + suffix)["instruments"]
    load(driver, "/dashboard" + suffix, "Instruments at a glance")
    caption = text(driver, "#instruments caption")
    check(caption.startswith(f"{len(board)} instruments"), f"the overview counts {len(board)}: {caption!r}")
    rows = driver.find_elements(By.CSS_SELECTOR, "#instruments tbody tr")
    check(len(rows) == len(board), f"one row per instrument ({len(rows)} of {len(board)})")
    for row, i in zip(rows, board):
        key = i["instrument"]
        check(row.get_attribute("data-instrument") == key, f"{key} in the API's order")
        cell = lambda field: text(row, f"[data-field={field}]")
        check(cell("state") == i["state"].replace("_", " "), f"{key}: state {cell('state')!r}")
        check(cell("overdue") == str(len(i["overdue"])), f"{key}: overdue {cell('overdue')!r}")
        days = i["days_since_update"]
        check(cell("days") == ("–" if days is None else str(days)), f"{key}: days since update {cell('days')!r}")
        check(cell("rag") == RAG_WORDS[i["rag"]], f"{key}: RAG {cell('rag')!r}")
        progress = i["progress"]
        expected = "none reported" if progress is None else f"{progress:.0f}%"
        check(cell("progress") == expected, f"{key}: complete {cell('progress')!r}, not {expected!r}")
        mix = i["rag_mix"]
        if sum(mix.values()):
            words = f"{mix['red']} Red, {mix['amber']} Amber, {mix['green']} Green"
            check(cell("mix").startswith(words), f"{key}: RAG mix {cell('mix')!r}")
    return board


def main():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ["COVENANT_CHROMIUM"]
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    # Reading needs no JavaScript: the whole run has it switched off.
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(executable_path=os.environ["COVENANT_CHROMEDRIVER"]), options=options)
    try:
        driver.set_page_load_timeout(60)
        print("- sign-in")
        driver.get(URL + "/dashboard")
        check(driver.current_url.endswith("/dashboard/sign-in"), f"sent to sign in, at {driver.current_url}")
        field = driver.find_element(By.ID, "token")
        check(field.get_attribute("type") == "password", "the token field hides the token")
        field.send_keys(TOKEN)
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        # click() returns before the browser has followed the redirect: wait for the navigation.
        try:
            WebDriverWait(driver, 30).until(expected_conditions.url_to_be(URL + "/dashboard"))
            arrived = True
        except TimeoutException:
            arrived = False
        check(arrived, f"signed in, at {driver.current_url}")
        cookie = driver.get_cookie("covenant_session")
        check(cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict", f"the session cookie: {cookie}")
        check(TOKEN not in driver.current_url, "the token is not in the URL")

        print("- overview")
        overview(driver, None)
        shot(driver, "overview")

        print("- instrument: the Homes for Independence Blueprint")
        status = api(f"/api/v1/status/{BLUEPRINT}")
        load(driver, f"/dashboard/instruments/{BLUEPRINT}", status["title"])
        check(text(driver, "#facts [data-field=progress]") == f"{status['progress']:.0f}%", "the blueprint's progress")
        check(text(driver, "#facts [data-field=overdue]") == str(len(status["overdue"])), "the blueprint's overdue")
        for party in status["parties"]:
            row = driver.find_element(By.CSS_SELECTOR, f"tr[data-party='{party['organisation']}']")
            standing = party["standing"]
            word = standing["standing"]
            check(word.capitalize() in row.text, f"{party['organisation']} is {word}: {row.text!r}")
            if "resolution" in standing:
                cited = party["resolution_name"]
                check(cited in row.text and standing["on"] in row.text, f"{row.text!r} names its authority ({cited})")
        check(driver.find_elements(By.CSS_SELECTOR, f"a[href='/dashboard/resolutions/{MINUTE_45}']"), "links minute 45")
        shot(driver, "instrument")

        print("- resolution: West Lindsey minute 45")
        entry = next(r for r in api("/api/v1/resolutions?limit=1000")["resolutions"] if r["resolution"] == MINUTE_45)
        load(driver, f"/dashboard/resolutions/{MINUTE_45}", f"{entry['body_name']}, minute {entry['minute_number']}, {entry['decided_on']}")
        check(text(driver, "#text") == entry["text"], "the resolution's text as recorded")
        check(text(driver, "#facts [data-field=decided]") == entry["decided_on"], "the date decided")
        trail = driver.find_elements(By.CSS_SELECTOR, "#commitments tbody tr")
        check(len(trail) == len(entry["commitments"]), f"{len(entry['commitments'])} commitments on its trail")
        shot(driver, "resolution")

        print("- indicator chart")
        measured = [i for i in api("/api/v1/indicators")["indicators"] if i["towards"] and i["readings"]]
        check(measured, "the demo has an indicator with readings")
        indicator = measured[0]
        instrument = api(f"/api/v1/status/{indicator['towards']['instrument']}")
        load(driver, f"/dashboard/instruments/{instrument['instrument']}", instrument["title"])
        charts = driver.find_elements(By.CSS_SELECTOR, ".chart svg[role=img]")
        check(charts and all(c.get_attribute("aria-label") for c in charts), "each chart is an image with a label")
        latest = indicator["latest"]
        check(any(f"latest {latest['value']:g} on {latest['as_of']}" in c.get_attribute("aria-label") for c in charts),
              f"a chart names the latest reading of {indicator['title']}")
        shot(driver, "indicator")
        pdf = base64.b64decode(driver.print_page())
        check(pdf.startswith(b"%PDF"), "the page prints")
        with open(os.path.join(SHOTS, "indicator.pdf"), "wb") as out:
            out.write(pdf)

        print("- audit")
        verified = api("/api/v1/verify")
        load(driver, "/dashboard/audit", "Audit trail")
        check(f"the hash chain of all {verified['checked']} events holds" in text(driver, "#verification"),
              "the chain verifies on the page as it does in the API")
        events = driver.find_elements(By.CSS_SELECTOR, "#events tbody tr")
        check(len(events) == verified["checked"], f"the whole log is listed ({len(events)} of {verified['checked']})")
        shot(driver, "audit")

        print(f"- overview as of {PAST}")
        past = overview(driver, PAST)
        check(len(past) < len(api("/api/v1/status")["instruments"]), "fewer instruments had been drafted then")
        shot(driver, "overview-as-of")
    finally:
        driver.quit()
    print(f"{checked} passed, 0 failed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"FAILED after {checked} checks: {failure}", file=sys.stderr)
        print(f"{checked} passed, 1 failed")
        sys.exit(1)
