"""The public record in headless Chromium, called by scripts/browser_test.py once its own run is done.

Loads every public page without signing in (JavaScript off, as the main run), in English and in
Welsh, checks the skip link, the landmarks, the page's language and the switch to the other one,
checks the calendars and feeds with real parsers (icalendar, feedparser) against the JSON API of
the same server, and walks the OParl API, every list page by page, validating each object with
jsonschema against the OParl 1.1 schemas in tests/fixtures/oparl. Then runs axe-core (WCAG 2.0,
2.1 and 2.2, A and AA) on every public page, in English and in Welsh, and every dashboard page
the main run visits, in a second browser with
JavaScript on only so that axe itself can run (the pages run none), signed in with the
administrator's and then the partner lead's token as the session cookie; any violation fails the run.
"""

import json
import os
import urllib.request

import feedparser
import icalendar
import jsonschema
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

BODY = "west-lindsey-prosperous-communities-committee"
ORGANISATION = "GB-LAE-LIN"
BLUEPRINT = "lincolnshire-homes-for-independence-blueprint"
MEETING = "west-lindsey-pcc-2021-03-09"

PUBLIC_PAGES = [
    "/public",
    "/public?as_of=2021-01-01",
    f"/public/bodies/{BODY}",
    f"/public/meetings/{MEETING}",
    f"/public/instruments/{BLUEPRINT}",
    "/public/instruments/lincolnshire-hhcdg-delivery-plan",
    "/public/search?q=blueprint",
    "/public/search?theme=planning",
    "/public/accessibility",
]

# The dashboard pages the main run visits: as an administrator, then as a partner lead.


def welsh(path):
    """The page in Welsh."""
    return path + ("&" if "?" in path else "?") + "lang=cy"


# Every public page in English, then in Welsh.
ALL_PUBLIC_PAGES = PUBLIC_PAGES + [welsh(path) for path in PUBLIC_PAGES]

ADMIN_PAGES = [
    "/dashboard",
    f"/dashboard/instruments/{BLUEPRINT}",
    "/dashboard/resolutions/west-lindsey-pcc-2021-03-09-45",
    "/dashboard/instruments/lincolnshire-hhcdg-delivery-plan",
    "/dashboard/audit",
    "/dashboard?as_of=2021-01-01",
    "/dashboard/meetings/new",
    "/dashboard/meetings/lincolnshire-health-and-wellbeing-board-2024-03-05",
]
LEAD_PAGES = [
    "/dashboard/actions",
    "/dashboard/actions/hhcdg-delivery-plan",
]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def fetch(url, path):
    with urllib.request.urlopen(url + path, timeout=30) as response:
        return response.read()


def pages(driver, url, check):
    for path in ALL_PUBLIC_PAGES:
        driver.get(url + path)
        lang, other = ("cy", "en") if "lang=cy" in path else ("en-GB", "cy")
        check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang, f"{path} is in {lang}")
        switch = driver.find_elements(By.CSS_SELECTOR, f"nav a[hreflang='{other}'][lang='{other}']")
        check(len(switch) == 1, f"{path} links to itself in the other language")
        check(driver.find_elements(By.CSS_SELECTOR, "main h1"), f"{path} has a heading")
        first = driver.find_element(By.CSS_SELECTOR, "body a")
        check(first.get_attribute("href").endswith("#main") and "skip" in first.get_attribute("class"),
              f"{path}: the first link skips to the content")
        for landmark in ("header", "nav", "main", "footer"):
            check(driver.find_elements(By.TAG_NAME, landmark), f"{path} has a <{landmark}>")
        check(not driver.find_elements(By.CSS_SELECTOR, "form[action='/dashboard/sign-out']"),
              f"{path} has no signed-in navigation")


def calendars_and_feeds(url, api, check):
    resolutions = api(f"/api/v1/resolutions?body={BODY}&limit=1000")["resolutions"]
    feed = feedparser.parse(fetch(url, f"/public/feeds/decisions.atom?body={BODY}"))
    check(not feed.bozo, f"the decisions feed is well-formed Atom: {feed.get('bozo_exception')}")
    texts = {r["text"] for r in resolutions}
    check(feed.entries, "the body's decisions feed has entries")
    for entry in feed.entries:
        text = entry.content[0].value if entry.get("content") else entry.get("summary")
        check(text in texts, f"{entry.title}: its text is the API's")
    published = [r for r in resolutions if r["published_on"]]
    check(len(feed.entries) >= len(published), "every published decision is in the feed")
    check(len({e.id for e in feed.entries}) == len(feed.entries), "entry ids are unique")
    again = feedparser.parse(fetch(url, f"/public/feeds/decisions.atom?body={BODY}"))
    check([e.id for e in again.entries] == [e.id for e in feed.entries], "entry ids are stable")

    cy = feedparser.parse(fetch(url, f"/public/feeds/decisions.atom?body={BODY}&lang=cy"))
    check(not cy.bozo, f"the Welsh decisions feed is well-formed Atom: {cy.get('bozo_exception')}")
    check(cy.feed.get("language") == "cy", f"the Welsh feed says it is in Welsh: {cy.feed.get('language')}")
    check([e.id for e in cy.entries] == [e.id for e in feed.entries], "the Welsh feed holds the same entries")
    check(all("Mawrth" in e.title or "cofnod" in e.title or "eitem" in e.title for e in cy.entries),
          "the Welsh feed's titles are in Welsh")

    calendar = icalendar.Calendar.from_ical(fetch(url, f"/public/bodies/{BODY}/meetings.ics"))
    cy = icalendar.Calendar.from_ical(fetch(url, f"/public/bodies/{BODY}/meetings.ics?lang=cy"))
    check(str(cy["X-WR-CALNAME"]).endswith(": cyfarfodydd"), f"the Welsh calendar is named in Welsh: {cy['X-WR-CALNAME']}")
    check(sorted(str(e["UID"]) for e in cy.walk("VEVENT")) == sorted(str(e["UID"]) for e in calendar.walk("VEVENT")),
          "the Welsh calendar holds the same events")
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    for r in published:
        event = events.get(f"meeting-{r['meeting']}@covenant")
        check(event is not None, f"the meeting of {r['resolution']} is in the calendar")
        check(event.decoded("DTSTART").isoformat() == r["decided_on"], f"{r['meeting']} is on {r['decided_on']}")
        check("DTSTAMP" in event, f"{r['meeting']} has a DTSTAMP")

    actions = api(f"/api/v1/actions?organisation={ORGANISATION}&limit=1000")["rows"]
    due = icalendar.Calendar.from_ical(fetch(url, f"/public/organisations/{ORGANISATION}/actions.ics"))
    by_key = {a["commitment"]: a for a in actions}
    events = list(due.walk("VEVENT"))
    check(events, f"{ORGANISATION} has actions due in its calendar")
    for event in events:
        key = str(event["UID"]).removeprefix("action-").removesuffix("@covenant")
        check(key in by_key, f"{key} is one of {ORGANISATION}'s actions in the API")
        check(event.decoded("DTSTART").isoformat() == by_key[key]["due_on"], f"{key} is due on its API due date")
    progress = feedparser.parse(fetch(url, f"/public/feeds/progress.atom?organisation={ORGANISATION}"))
    check(not progress.bozo, "the progress feed is well-formed Atom")


SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "oparl")
OPARL = "https://schema.oparl.org/1.1/"


def oparl(url, api, check):
    def get(address):
        return json.loads(urllib.request.urlopen(address, timeout=30).read())

    def valid(obj):
        kind = obj["type"].removeprefix(OPARL)
        with open(os.path.join(SCHEMAS, f"{kind}.json"), encoding="utf-8") as schema:
            errors = [e.message for e in jsonschema.Draft202012Validator(json.load(schema)).iter_errors(obj)]
        check(not errors, f"{obj['id']} is a valid {kind}: {errors}")
        for name in ("agendaItem", "consultation"):
            # Lists inside an object; a Body names its lists of these by URL instead.
            for inner in obj[name] if isinstance(obj.get(name), list) else []:
                valid(inner)

    def listed(address):
        objects, page = [], get(address)
        while True:
            objects += page["data"]
            if "next" not in page["links"]:
                break
            page = get(page["links"]["next"])
        check(len(objects) == page["pagination"]["totalElements"], f"{address} pages through to its end")
        return objects

    system = get(url + "/oparl/v1")
    valid(system)
    texts = []
    for body in listed(system["body"] + "?limit=1"):
        valid(body)
        for name in ("organization", "meeting", "agendaItem", "paper", "consultation"):
            for obj in listed(body[name] + "?limit=2"):
                valid(obj)
                texts.append(obj.get("resolutionText", ""))
    published = [r for r in api(f"/api/v1/resolutions?body={BODY}&limit=1000")["resolutions"] if r["published_on"]]
    for r in published:
        check(any(r["text"] in t for t in texts), f"{r['resolution']}, published, is an OParl agenda item's resolution")
    print("  oparl: every object valid,", len(texts), "listed")


def axe_browser():
    """A second browser, with JavaScript on only so that axe-core can run, and axe-core's source."""
    source = open(os.environ["COVENANT_AXE"], encoding="utf-8").read()
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ["COVENANT_CHROMIUM"]
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=os.environ["COVENANT_CHROMEDRIVER"]), options=options)
    driver.set_script_timeout(60)
    return driver, source


def axe(url, check, admin, lead, sign_in):
    driver, source = axe_browser()
    try:
        # The check can fail: a page made with an image without a text alternative is caught.
        driver.get("data:text/html,<!doctype html><html lang=en><title>t</title><main><img src=x.png></main></html>")
        check(violations(driver, source), "axe-core finds the violation in a page made to have one")
        driver.get(url + "/public")
        for path in ALL_PUBLIC_PAGES:
            run_axe(driver, url, path, source, check)
        driver.get(url + "/dashboard/sign-in")
        run_axe(driver, url, "/dashboard/sign-in", source, check)
        for token, paths in ((admin, ADMIN_PAGES), (lead, LEAD_PAGES)):
            driver.delete_all_cookies()
            sign_in(driver, token)
            for path in paths:
                run_axe(driver, url, path, source, check)
                check(not driver.find_elements(By.CSS_SELECTOR, "main p.alert[role=alert]"), f"{path} is no error page")
    finally:
        driver.quit()


def run_axe(driver, url, path, source, check):
    driver.get(url + path)
    check(driver.current_url == url + path, f"{path} is shown, not {driver.current_url}")
    result = violations(driver, source)
    check(not result, f"{path}: axe-core finds no violation: {result}")
    print("  axe", path, "clean")


def violations(driver, source):
    """The WCAG A and AA violations axe-core finds on the page the driver shows, in words."""
    driver.execute_script(source)
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')')))"
        ".catch(e => done(['axe failed: ' + e]));",
        AXE_TAGS,
    )


def run(driver, url, api, check, admin, lead, sign_in):
    """The public record's checks, in the main run's browser, then axe-core on every page."""
    print("- public record")
    pages(driver, url, check)
    print("- calendars and feeds")
    calendars_and_feeds(url, api, check)
    print("- OParl")
    oparl(url, api, check)
    print("- accessibility (axe-core)")
    axe(url, check, admin, lead, sign_in)
