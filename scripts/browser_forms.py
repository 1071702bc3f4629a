"""The dashboard's forms for instruments, actions, milestones, indicator readings, organisations,
bodies, corrections and uploads, and the "as of" picker, in headless Chromium with JavaScript
switched off: called by scripts/browser_test.py while an administrator is signed in, with that
module (its helpers `check`, `load`, `fill`, `shot`, `arrive`, `submit`, `text`, `api`,
`sign_in` and its `URL` and `TOKEN`).

Shows the Record page and each form and its error state (the page titled "Error: ...", the error
summary), saving a screenshot of both; corrects West Lindsey's minute 45 with the keyboard alone
(Tab, typing and Enter), through a mistake shown and put right; adds a milestone and records an
indicator reading, through a mistake; picks a past day in the day, month and year fields, and
an impossible one; uploads an action plan with one bad row, which shows the problem by line and
records nothing, then the fixed file, which records everything once confirmed. Then, in a second
browser with JavaScript on only so that axe-core can run, sends each form empty again and checks
its error state, and the picker's, with axe-core (WCAG 2.2 AA): no violation.
"""

import os
import tempfile

import browser_public

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

MINUTE_45 = "west-lindsey-pcc-2021-03-09-45"
PLAN = "lincolnshire-hhcdg-delivery-plan"
ACTION = "hhcdg-delivery-plan"
INDICATOR = "west-lindsey-dfg-completions"
INDICATOR_TITLE = "Disabled Facilities Grant adaptations completed in West Lindsey"
HEADER = ("instrument,objective,action_id,action,lead_organisation,lead_officer,due_date,weight,parent,"
          "status,percentage,narrative")
ROW = ("lincolnshire-hhcdg-delivery-plan,adaptations,hhcdg-dfg-policy-review,Review the shared Disabled "
       "Facilities Grant policy with the seven districts,GB-LAE-WLI,Housing Services Manager,2025-03-31,1,,"
       "amber,40,Draft review with district housing leads; two districts still to respond.")
SITES = ("lincolnshire-hhcdg-delivery-plan,specialist-housing,hhcdg-extra-care-sites,Identify extra care "
         "housing sites with the districts,GB-LAE-LIN,Head of Housing Strategy,{due},1,,,,")

# The forms shown empty and then sent empty: (page, heading, the form's action, screenshot name).
FORMS = [
    ("/dashboard/actions/new", "Record an action", "/dashboard/actions", "form-action"),
    ("/dashboard/instruments/new", "Record an instrument", "/dashboard/instruments", "form-instrument"),
    (f"/dashboard/instruments/{PLAN}/versions/new", "New version of HHCDG Delivery Plan",
     f"/dashboard/instruments/{PLAN}/versions", "form-version"),
    ("/dashboard/organisations", "Organisations", "/dashboard/organisations", "form-organisations"),
    ("/dashboard/bodies", "Bodies", "/dashboard/bodies", "form-bodies"),
    ("/dashboard/imports", "Upload a file to import", "/dashboard/imports", "form-upload"),
    (f"/dashboard/indicators/{INDICATOR}/readings", INDICATOR_TITLE, f"/dashboard/indicators/{INDICATOR}/readings",
     "form-reading"),
]


def forms(t):
    """FORMS, with the form that adds a milestone, on the action's page, titled as the action."""
    title = next(r["title"] for r in t.api("/api/v1/actions")["rows"] if r["commitment"] == ACTION)
    page = f"/dashboard/actions/{ACTION}"
    return FORMS + [(page, title, f"{page}/milestones/new", "form-milestone")]


def error_state(driver, t, heading, action, name):
    """Sends the form to `action` empty: the page comes back titled "Error: ...", with the summary."""
    driver.find_element(By.CSS_SELECTOR, f"form[action='{action}'] button[type=submit]").click()
    summary = WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#error-summary"))
    t.check("There is a problem" in summary[0].text, f"{action}: the error summary")
    t.check(driver.title.startswith("Error: " + heading), f"{action}: the title begins Error: ({driver.title!r})")
    for link in summary[0].find_elements(By.CSS_SELECTOR, "a"):
        target = link.get_attribute("href").split("#", 1)[1]
        t.check(driver.find_elements(By.ID, target), f"{action}: the summary links to #{target}, which is there")
    t.shot(driver, name + "-error")


def tab_to(driver, t, ident, limit=60):
    """Presses Tab until the element `ident` has the focus."""
    for _ in range(limit):
        if driver.switch_to.active_element.get_attribute("id") == ident:
            return driver.switch_to.active_element
        driver.switch_to.active_element.send_keys(Keys.TAB)
    t.check(False, f"Tab reaches #{ident}")
    return None


def keyboard_correction(driver, t):
    print("- keyboard only: correct minute 45, with a mistake shown and put right")
    page = f"/dashboard/resolutions/{MINUTE_45}"
    entry = next(r for r in t.api("/api/v1/resolutions?limit=1000")["resolutions"] if r["resolution"] == MINUTE_45)
    t.load(driver, page + "/correction", f"Correct {entry['body_name']}, minute {entry['minute_number']}, {entry['decided_on']}")
    corrected = entry["text"].rstrip(".") + ", as set out in the report."
    tab_to(driver, t, "text").send_keys(corrected)
    # The reason is left out: the mistake.
    for ident, value in (("corrected_on-day", "8"), ("corrected_on-month", "6"), ("corrected_on-year", "2021")):
        tab_to(driver, t, ident).send_keys(value)
    tab_to(driver, t, "corrected_on-year").send_keys(Keys.ENTER)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#error-summary"))
    t.check(driver.switch_to.active_element.get_attribute("id") == "error-summary", "the summary has the focus")
    t.check(driver.title.startswith("Error: "), "the title says there is an error")
    t.shot(driver, "correction-error")
    driver.switch_to.active_element.send_keys(Keys.TAB)
    link = driver.switch_to.active_element
    t.check(link.get_attribute("href").endswith("#reason"), f"Tab reaches the summary's link: {link.text!r}")
    link.send_keys(Keys.ENTER)
    tab_to(driver, t, "reason").send_keys("Minutes confirmed at the next meeting with the wording amended "
                                          "(illustrative: not in the paper)")
    button = tab_to_button(driver, t, "Record the correction")
    button.send_keys(Keys.ENTER)
    t.arrive(driver, lambda url: url.startswith(t.URL + page + "?recorded="), "the correction is recorded")
    t.check(t.text(driver, "#text") == corrected, "the page shows the corrected wording")
    entry = next(r for r in t.api("/api/v1/resolutions?limit=1000")["resolutions"] if r["resolution"] == MINUTE_45)
    t.check(entry["text"] == corrected, "the API has the corrected wording")
    head = t.api("/api/v1/verify")["checked"]
    last = t.api(f"/api/v1/events?after={head - 1}&limit=1")["events"][0]
    t.check(last["event_type"] == "ResolutionCorrected" and last["occurred_at"].startswith("2021-06-08"),
            f"corrected on the date given: {last['event_type']} {last['occurred_at']}")
    t.shot(driver, "correction")


def tab_to_button(driver, t, words, limit=60):
    """Presses Tab until the button saying `words` has the focus."""
    for _ in range(limit):
        active = driver.switch_to.active_element
        if active.tag_name == "button" and active.text.strip() == words:
            return active
        active.send_keys(Keys.TAB)
    t.check(False, f"Tab reaches the button {words!r}")
    return None


def upload(driver, t, folder, lines, on):
    path = os.path.join(folder, "hhcdg-delivery-plan-2024.csv")
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    t.load(driver, "/dashboard/imports", "Upload a file to import")
    driver.find_element(By.ID, "file").send_keys(path)
    t.fill(driver, {"kind": "", "on-day": on[0], "on-month": on[1], "on-year": on[2]})
    shown = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "form[action='/dashboard/imports'] button[type=submit]").click()
    # click() returns before the browser has loaded the answer: wait until the form's page is gone.
    WebDriverWait(driver, 30).until(t.replaced(shown))


def action_plan(driver, t):
    print("- upload an action plan: one bad row, then the fixed file")
    head = t.api("/api/v1/verify")["checked"]
    with tempfile.TemporaryDirectory() as folder:
        upload(driver, t, folder, [HEADER, ROW, SITES.format(due="31/03/2025")], ("1", "4", "2024"))
        problems = driver.find_elements(By.CSS_SELECTOR, "#file-problems tbody tr")
        t.check(len(problems) == 1 and problems[0].text.startswith("3 due_date"),
                f"the one problem, with its line: {[p.text for p in problems]}")
        t.shot(driver, "upload-error")
        t.check(t.api("/api/v1/verify")["checked"] == head, "nothing recorded")
        upload(driver, t, folder, [HEADER, ROW, SITES.format(due="2025-03-31")], ("1", "4", "2024"))
    t.check(t.text(driver, "main h1") == "Check the file before recording it", "the confirmation step")
    t.check(len(driver.find_elements(By.CSS_SELECTOR, "#plan tbody tr")) == 2, "both lines would record")
    t.shot(driver, "upload-check")
    t.check(t.api("/api/v1/verify")["checked"] == head, "nothing recorded before it is confirmed")
    driver.find_element(By.CSS_SELECTOR, "form[action='/dashboard/imports/confirm'] button").click()
    t.arrive(driver, lambda url: "?recorded=" in url, "the action plan is recorded")
    events = t.api(f"/api/v1/events?after={head}&limit=1000")["events"]
    t.check([e["event_type"] for e in events] == ["CommitmentMade", "CommitmentProgressReported", "CommitmentMade"],
            f"the log holds the file's rows: {[e['event_type'] for e in events]}")
    t.check(all(e["occurred_at"].startswith("2024-04-01") for e in events), "each on the date the plan stands at")


def record_page(driver, t):
    print("- the Record page: the forms an administrator may use, one link in the navigation")
    t.check(driver.find_elements(By.CSS_SELECTOR, "nav a[href='/dashboard/record']"), "the navigation links to it")
    t.check(not driver.find_elements(By.CSS_SELECTOR, "nav a[href='/dashboard/meetings/new']"), "not to each form")
    t.load(driver, "/dashboard/record", "Record")
    links = [a.get_attribute("href").removeprefix(t.URL) for a in driver.find_elements(By.CSS_SELECTOR, "#forms a")]
    t.check("/dashboard/meetings/new" in links and "/dashboard/readings" in links, f"the forms listed: {links}")
    t.shot(driver, "record")


def milestone_and_reading(driver, t):
    print("- add a milestone to an action, and record an indicator reading through a mistake")
    head = t.api("/api/v1/verify")["checked"]
    page = f"/dashboard/actions/{ACTION}"
    driver.get(t.URL + page)
    t.fill(driver, {"title": "Extra care sites shortlisted with the districts (illustrative)",
                    "due_on-day": "30", "due_on-month": "9", "due_on-year": "2024",
                    "agreed_on-day": "1", "agreed_on-month": "4", "agreed_on-year": "2024",
                    "source": "HHCDG delivery plan 2024/25 (illustrative)"})
    t.submit(driver, f"{page}/milestones/new", page, "the milestone is added")
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#milestones tbody tr")]
    t.check(any(r.startswith("Extra care sites shortlisted") and "not yet" in r for r in rows), f"listed: {rows}")
    last = t.api(f"/api/v1/events?after={head}&limit=10")["events"][-1]
    t.check(last["event_type"] == "CommitmentMilestoneAdded" and last["occurred_at"].startswith("2024-04-01"),
            f"added on the date it was agreed: {last['event_type']} {last['occurred_at']}")
    page = f"/dashboard/indicators/{INDICATOR}/readings"
    t.load(driver, "/dashboard/readings", "Indicators' readings")
    driver.find_element(By.CSS_SELECTOR, f"#indicators a[href='{page}']").click()
    t.arrive(driver, lambda url: url == t.URL + page, "the indicator's page")
    t.fill(driver, {"value": "about 150", "reading_date-day": "31", "reading_date-month": "3",
                    "reading_date-year": "2024", "source": "West Lindsey DFG return 2023/24 (illustrative)"})
    driver.find_element(By.CSS_SELECTOR, f"form[action='{page}'] button[type=submit]").click()
    summary = WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#error-summary"))
    t.check("Value must be a number, like 1250 or 12.5" in summary[0].text, f"the mistake: {summary[0].text!r}")
    t.check(driver.find_element(By.ID, "reading_date-day").get_attribute("value") == "31", "what was typed is kept")
    t.fill(driver, {"value": "152"})
    t.submit(driver, page, page, "the reading is recorded")
    indicator = next(i for i in t.api("/api/v1/indicators")["indicators"] if i["indicator"] == INDICATOR)
    t.check({"as_of": "2024-03-31", "value": 152.0} in indicator["readings"], f"the API has it: {indicator['readings']}")
    t.shot(driver, "reading")


def picker(driver, t):
    print("- the as-of picker: day, month and year, and an impossible date")
    t.load(driver, "/dashboard/audit", "Audit trail")
    t.fill(driver, {"as_of-day": "1", "as_of-month": "1", "as_of-year": "2021"})
    driver.find_element(By.CSS_SELECTOR, "section.as-of button[type=submit]").click()
    t.arrive(driver, lambda url: url == t.URL + "/dashboard/audit?as_of=2021-01-01", "the page as of the day picked")
    t.check(driver.find_element(By.ID, "as_of-day").get_attribute("value") == "1", "the picker shows the day")
    t.fill(driver, {"as_of-day": "31", "as_of-month": "2"})
    driver.find_element(By.CSS_SELECTOR, "section.as-of button[type=submit]").click()
    summary = WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#error-summary"))
    t.check("Date to show the record as of must be a real date" in summary[0].text, f"{summary[0].text!r}")
    t.check(driver.title.startswith("Error: "), f"the title says there is an error: {driver.title!r}")
    t.shot(driver, "picker-error")


def axe_error_states(t, shown):
    """axe-core on the Record page and on each form in `shown` sent empty, and the picker's error."""
    print("- accessibility of the forms in their error state (axe-core)")
    driver, source = browser_public.axe_browser()
    try:
        t.sign_in(driver, t.TOKEN)
        for path in ("/dashboard/record", "/dashboard/readings"):
            browser_public.run_axe(driver, t.URL, path, source, t.check)
        for page, _heading, action, _name in shown:
            driver.get(t.URL + page)
            driver.find_element(By.CSS_SELECTOR, f"form[action='{action}'] button[type=submit]").click()
            WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#error-summary"))
            found = browser_public.violations(driver, source)
            t.check(not found, f"{action} in its error state: axe-core finds no violation: {found}")
            print("  axe", action, "(error state) clean")
        driver.get(t.URL + "/dashboard?as_of-day=31&as_of-month=2&as_of-year=2021")
        found = browser_public.violations(driver, source)
        t.check(not found, f"the picker's error state: axe-core finds no violation: {found}")
        print("  axe the picker (error state) clean")
    finally:
        driver.quit()


def journeys(driver, t):
    """The forms' journeys, for an administrator signed in; `t` is scripts/browser_test.py."""
    record_page(driver, t)
    print("- every form, empty and then in its error state")
    shown = forms(t)
    for page, heading, action, name in shown:
        t.load(driver, page, heading)
        t.shot(driver, name)
        error_state(driver, t, heading, action, name)
    keyboard_correction(driver, t)
    milestone_and_reading(driver, t)
    picker(driver, t)
    action_plan(driver, t)
    axe_error_states(t, shown)
