"""The dashboard in headless Chromium: run by scripts/browser-test, which starts the server.

Signs in through the sign-in form with JavaScript switched off, loads each page, checks its key
figures against the JSON API of the same server, records through the forms as a secretariat and
as a partner lead, and saves a screenshot of each page. Reads an administrator's token and then a
contributor's from standard input, one a line; exits non-zero on the first failure.
"""

import base64
import json
import os
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

import browser_firsthour
import browser_forms
import browser_oidc
import browser_packs
import browser_public
import browser_resend

URL = os.environ["COVENANT_URL"]
SHOTS = os.environ["COVENANT_SCREENSHOTS"]
TOKEN, CONTRIBUTOR = (sys.stdin.read().split() + [""])[:2]
BLUEPRINT = "lincolnshire-homes-for-independence-blueprint"
MINUTE_45 = "west-lindsey-pcc-2021-03-09-45"
PAST = "2021-01-01"
BOARD = "lincolnshire-health-and-wellbeing-board"
MEETING = "lincolnshire-health-and-wellbeing-board-2024-03-05"
PLAN = "lincolnshire-hhcdg-delivery-plan"
ACTION = "hhcdg-delivery-plan"
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
    check(not driver.current_url.endswith("/dashboard/sign-in"), f"{path} is shown, not the sign-in page")
    h1 = text(driver, "main h1")
    check(h1 == title, f"{path}: the heading is {h1!r}, not {title!r}")
    for landmark in ("header", "nav", "main"):
        check(driver.find_elements(By.TAG_NAME, landmark), f"{path} has a <{landmark}>")
    for control in driver.find_elements(By.CSS_SELECTOR, "main select, main input:not([type=hidden])"):
        ident = control.get_attribute("id")
        check(ident and driver.find_elements(By.CSS_SELECTOR, f"label[for='{ident}']"), f"{path}: {ident} is labelled")
    for rag in driver.find_elements(By.CSS_SELECTOR, ".rag"):
        check(rag.text in RAG_WORDS.values(), f"{path}: RAG is written as a word, not {rag.text!r}")


def sign_in(driver, token):
    driver.get(URL + "/dashboard")
    check(driver.current_url.endswith("/dashboard/sign-in"), f"sent to sign in, at {driver.current_url}")
    field = driver.find_element(By.ID, "token")
    check(field.get_attribute("type") == "password", "the token field hides the token")
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    # serve --demo opens the overview as of the day of the demo's latest event (browser_firsthour.py).
    arrive(driver, lambda url: url.split("?as_of=")[0] == URL + "/dashboard", "signed in")
    cookie = driver.get_cookie("covenant_session")
    check(cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict", f"the session cookie: {cookie}")
    check(token not in driver.current_url, "the token is not in the URL")


def replaced(shown):
    """A wait's condition: `shown`, the <html> of the page a click left, is no longer the page's.
    Chromium says so with a stale element or with "does not belong to the document"."""
    def gone(_driver):
        try:
            shown.is_enabled()
            return False
        except WebDriverException:
            return True
    return gone


def arrive(driver, where, what):
    # click() returns before the browser has followed the redirect: wait for the navigation.
    try:
        WebDriverWait(driver, 30).until(lambda d: where(d.current_url))
        arrived = True
    except TimeoutException:
        arrived = False
    check(arrived, f"{what}, at {driver.current_url}")


def fill(driver, values):
    for ident, value in values.items():
        field = driver.find_element(By.ID, ident)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        elif field.get_attribute("type") in ("radio", "checkbox"):
            field.click()
        else:
            field.clear()
            field.send_keys(value)


def submit(driver, form, page, what):
    """Sends `form` and waits for the redirect to `page` confirming what was recorded."""
    shown = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, f"form[action='{form}'] button[type=submit]").click()
    # The page may already be at ?recorded= from the form before: wait until it is replaced.
    WebDriverWait(driver, 30).until(replaced(shown))
    arrive(driver, lambda url: url.startswith(URL + page + "?recorded="), what)
    position = driver.current_url.split("?recorded=")[1]
    check(f"It is entry {position} of the log" in text(driver, "#recorded"), f"{what}: the position is confirmed")


def secretariat(driver):
    print("- secretariat: record a meeting, two resolutions and the minutes")
    head = api("/api/v1/verify")["checked"]
    load(driver, "/dashboard/meetings/new", "Record a meeting")
    fill(driver, {"body": BOARD, "date-day": "5", "date-month": "3", "date-year": "2024",
                  "title": "Lincolnshire Health and Wellbeing Board, 5 March 2024",
                  "agenda": "12. HHCDG delivery plan\n13. Housing, health and care update (illustrative)\nAny other business",
                  "source": "https://example.org/hwb/2024-03-05/agenda"})
    page = f"/dashboard/meetings/{MEETING}"
    submit(driver, "/dashboard/meetings", page, "the meeting is recorded")
    fill(driver, {"item": "1", "text": "RESOLVED that the Board endorse the HHCDG delivery plan.",
                  "outcome-endorsed": "", "instrument": PLAN, "source": "Minutes of 5 March 2024, minute 12"})
    submit(driver, f"{page}/resolutions", page, "the resolution is recorded")
    # "outcome" is the first of the radios, Noted.
    fill(driver, {"item": "2", "text": "RESOLVED that the update be noted.", "outcome": "",
                  "source": "Minutes of 5 March 2024, minute 13 (illustrative)"})
    submit(driver, f"{page}/resolutions", page, "the second resolution is recorded")
    fill(driver, {"published_on-day": "12", "published_on-month": "3", "published_on-year": "2024"})
    submit(driver, f"{page}/minutes", page, "the minutes are published")
    check(text(driver, "#facts [data-field=minutes]") == "2024-03-12", "the page shows the minutes published")
    shot(driver, "meeting")
    resolution = f"{MEETING}-12"
    entry = next(r for r in api("/api/v1/resolutions?limit=1000")["resolutions"] if r["resolution"] == resolution)
    check(entry["decided_on"] == "2024-03-05" and entry["outcome"] == "endorsed", f"the API has the resolution: {entry}")
    noted = next(r for r in api("/api/v1/resolutions?limit=1000")["resolutions"] if r["resolution"] == f"{MEETING}-13")
    check(noted["decided_on"] == "2024-03-05" and noted["outcome"] == "noted", f"the API has the second: {noted}")
    trail = api(f"/api/v1/resolutions/{resolution}")
    check(PLAN in json.dumps(trail), f"the endorsing resolution's trail names the plan: {trail}")
    events = api(f"/api/v1/events?after={head}&limit=1000")["events"]
    check([e["event_type"] for e in events] == ["MeetingScheduled", "MeetingAgendaItemAdded", "MeetingAgendaItemAdded",
          "MeetingAgendaItemAdded", "MeetingHeld", "ResolutionRecorded", "InstrumentEndorsed", "ResolutionRecorded",
          "MeetingMinutesPublished"],
          f"the log holds what the forms recorded: {[e['event_type'] for e in events]}")
    for e in events[:-1]:
        check(e["occurred_at"].startswith("2024-03-05"), f"{e['event_type']} happened on the meeting's date")


def contributor(driver):
    print("- partner lead: report progress, with an error shown and corrected")
    driver.find_element(By.CSS_SELECTOR, "header form button[type=submit]").click()
    arrive(driver, lambda url: url.endswith("/dashboard/sign-in"), "signed out")
    sign_in(driver, CONTRIBUTOR)
    check(driver.find_elements(By.CSS_SELECTOR, "nav a[href='/dashboard/actions']"), "the lead's navigation")
    check(not driver.find_elements(By.CSS_SELECTOR, "nav a[href='/dashboard/meetings/new']"), "no meeting form")
    load(driver, "/dashboard/actions", "Your organisation's actions")
    driver.find_element(By.CSS_SELECTOR, f"#actions a[href='/dashboard/actions/{ACTION}']").click()
    page = f"/dashboard/actions/{ACTION}"
    arrive(driver, lambda url: url == URL + page, "the action's page")
    fill(driver, {"percent": "150", "status": "", "narrative": "Two of the four actions done.",
                  "period": "2024/25 Q1", "reported_on-day": "1", "reported_on-month": "7", "reported_on-year": "2024"})
    driver.find_element(By.CSS_SELECTOR, f"form[action='{page}/progress'] button[type=submit]").click()
    summary = WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#error-summary"))
    check("There is a problem" in summary[0].text, "the error summary")
    link = driver.find_element(By.CSS_SELECTOR, "#error-summary a[href='#percent']")
    check(link.text == "Percentage complete must be between 0 and 100", f"the summary links to the field: {link.text!r}")
    check(driver.find_element(By.ID, "narrative").get_attribute("value") == "Two of the four actions done.", "kept")
    shot(driver, "progress-error")
    fill(driver, {"percent": "55"})
    submit(driver, f"{page}/progress", page, "the progress report is recorded")
    last = text(driver, "#facts [data-field=last-report]")
    check(last.startswith("2024/25 Q1, 2024-07-01: Two of the four actions done."), f"the page shows the report: {last!r}")
    shot(driver, "progress")


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
        sign_in(driver, TOKEN)

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
        on_last_page = (verified["checked"] - 1) % 100 + 1
        check(len(events) == on_last_page, f"the latest page of the log is listed ({len(events)}, not {on_last_page})")
        shot(driver, "audit")

        print("- on a phone")
        browser_firsthour.phone(driver, load, check, [("/dashboard", "Instruments at a glance"),
                                                     (f"/dashboard/instruments/{BLUEPRINT}", status["title"]),
                                                     ("/dashboard/audit", "Audit trail")])
        print("- sign-ins")
        browser_oidc.sign_ins(driver, check, load, shot)

        print(f"- overview as of {PAST}")
        past = overview(driver, PAST)
        check(len(past) < len(api("/api/v1/status")["instruments"]), "fewer instruments had been drafted then")
        shot(driver, "overview-as-of")

        secretariat(driver)
        browser_forms.journeys(driver, sys.modules[__name__])
        contributor(driver)
        browser_resend.run(driver, sys.modules[__name__])
        print("- board pack")
        browser_packs.run(driver, URL, api, check, TOKEN, SHOTS)
        print("- a person signs in with an OpenID provider")
        browser_oidc.person(driver, sys.modules[__name__])

        browser_public.run(driver, URL, api, check, TOKEN, CONTRIBUTOR, sign_in)
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
