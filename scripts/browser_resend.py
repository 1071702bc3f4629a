"""A stale form and a form sent twice, in headless Chromium with JavaScript switched off: called
by scripts/browser_test.py while the partner lead is signed in, after the progress journey, with
that module (its helpers `check`, `fill`, `load`, `text`, `api`, `submit`, `replaced` and its
`URL`, `TOKEN` and `ACTION`).

A stale form: the action's page is opened, someone else then reports progress on the same action
(through the API, with the administrator's token), and the lead's report sent afterwards gets the
conflict page, which says so, and records nothing: the log's head is where the other report left
it. A form sent twice: the progress form is sent, then the very same post (the same fields, the
same hidden idempotency key and anti-forgery value, the same session) is sent again, as a double
click or a resubmitted page sends it: it is answered with the same confirmation, and the log
grows by one event, not two. Another organisation's action, asked for by its address, is
refused: no page of it and no form.
"""

import json
import urllib.error
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def head(t):
    """The log's position, as the status board of now names it."""
    return t.api("/api/v1/status?limit=1")["position"]


def report_through_the_api(t, narrative, day):
    body = json.dumps({"command": "report_progress", "id": t.ACTION, "status": "amber", "percent_complete": 60,
                       "narrative": narrative, "period": {"label": "2024/25 Q2"}, "reported_on": day}).encode()
    request = urllib.request.Request(t.URL + "/api/v1/commitments", data=body, method="POST", headers={
        "Authorization": "Bearer " + t.TOKEN, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        t.check(response.status == 201, f"the other report is recorded: {response.status}")


def progress(day, narrative):
    # "status" clicks the first of the radios, as the progress journey does.
    return {"percent": "65", "status": "", "narrative": narrative, "period": "2024/25 Q2",
            "reported_on-day": str(day), "reported_on-month": "9", "reported_on-year": "2024"}


def title(t):
    """The action's title, its page's heading."""
    return next(r["title"] for r in t.api("/api/v1/actions")["rows"] if r["commitment"] == t.ACTION)


def stale(driver, t, page):
    print("- a stale form: someone else recorded first")
    t.load(driver, page, title(t))
    report_through_the_api(t, "Reported by the programme office meanwhile (illustrative).", "2024-09-01")
    after_other = head(t)
    t.fill(driver, progress(2, "Reported from a form opened before the other report."))
    shown = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, f"form[action='{page}/progress'] button[type=submit]").click()
    WebDriverWait(driver, 30).until(t.replaced(shown))
    heading = t.text(driver, "h1")
    t.check(heading == "Someone else recorded something first", f"the conflict page: {heading!r}")
    t.check("was not recorded over it" in driver.page_source, "the page says nothing was recorded")
    t.check(head(t) == after_other, f"nothing recorded by the stale form: the head is {head(t)}, not {after_other}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def twice(driver, t, page):
    print("- a form sent twice records once")
    t.load(driver, page, title(t))
    t.fill(driver, progress(3, "Sent twice by a double click."))
    form = driver.find_element(By.CSS_SELECTOR, f"form[action='{page}/progress']")
    # What the browser sends: every named field, of the radios only the one chosen.
    fields = [(field.get_attribute("name"), field.get_attribute("value"))
              for field in form.find_elements(By.CSS_SELECTOR, "input, select, textarea")
              if field.get_attribute("name")
              and (field.get_attribute("type") not in ("radio", "checkbox") or field.is_selected())]
    before = head(t)
    t.submit(driver, f"{page}/progress", page, "the first send is recorded")
    first = driver.current_url
    t.check(head(t) == before + 1, f"the first send records one event: {before} to {head(t)}")
    # The same post again, as the browser sends it on a second click: same fields, same cookie.
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(t.URL + f"{page}/progress", data=urllib.parse.urlencode(fields).encode(),
                                     method="POST", headers={"Cookie": cookie, "Origin": t.URL,
                                                             "Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=30)
        answered, location = None, None
    except urllib.error.HTTPError as answer:
        answered, location = answer.code, answer.headers.get("Location")
    t.check(answered == 303, f"the second send is answered with a redirect: {answered}")
    t.check(location is not None and t.URL + location == first, f"to the first send's confirmation: {location}")
    t.check(head(t) == before + 1, f"the second send records nothing: the head is {head(t)}, not {before + 1}")


def elsewhere(driver, t):
    print("- another organisation's action is out of the partner lead's reach")
    # West Lindsey's action; the lead signed in acts for Lincolnshire County Council.
    driver.get(t.URL + "/dashboard/actions/hhcdg-dfg-fast-track")
    t.check("Fast-track Disabled Facilities Grant" not in driver.page_source, "its page is not shown")
    t.check(not driver.find_elements(By.CSS_SELECTOR, "form[action$='/progress']"), "and no progress form")
    heading = t.text(driver, "main h1")
    t.check(heading == "Your role does not allow this", f"a refusal page instead: {heading!r}")


def run(driver, t):
    page = f"/dashboard/actions/{t.ACTION}"
    stale(driver, t, page)
    twice(driver, t, page)
    elsewhere(driver, t)
