"""Signing in, in headless Chromium, called by scripts/browser_test.py.

`sign_ins`: with the browser signed in as the administrator, the Sign-ins page lists the
administrator's own session, active, with who, as what and with what token; each active session
has an "End session" button whose accessible name says whose session it ends; and the role rules
say whom a person without a role is told to ask. Nothing is ended, so the run stays signed in.

`person`: people sign in through a real OpenID provider, the `oidc-provider` npm package that
scripts/browser-test starts on loopback (scripts/oidc-provider.mjs) and covenant.toml names, as
described there.
"""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def sign_ins(driver, check, load, shot):
    load(driver, "/dashboard/sign-ins", "Sign-ins")
    rows = driver.find_elements(By.CSS_SELECTOR, "#sign-ins tbody tr")
    check(rows, "the page lists the sessions begun")
    own = [row for row in rows if "admin" in row.text and "active" in row.text]
    check(own, "the administrator's own session is listed, active")
    check("token " in own[0].text, f"it says it was begun with a token: {own[0].text!r}")
    for button in driver.find_elements(By.CSS_SELECTOR, "#sign-ins button[type=submit]"):
        name = " ".join(button.get_attribute("textContent").split())
        check(name.startswith("End session of "), f"each End session button says whose session: {name!r}")
    check("ask " in driver.find_element(By.TAG_NAME, "main").text, "the page says whom a person without a role asks")
    nav = [link.text for link in driver.find_elements(By.CSS_SELECTOR, "header nav a")]
    check("Sign-ins" in nav, f"the navigation offers the page to an administrator: {nav}")
    shot(driver, "sign-ins")


PROVIDER = "Lincolnshire County Council"
CLERK = "Hwb Clerk (illustrative)"
CLERK_EMAIL = "hwb.clerk@lincolnshire.gov.uk"


def sign_out(driver, t):
    """Signs out of Covenant from the header of the overview."""
    t.load(driver, "/dashboard", "Instruments at a glance")
    shown = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "header form button[type=submit]").click()
    WebDriverWait(driver, 30).until(t.replaced(shown))
    t.check(driver.get_cookie("covenant_session") is None, f"signed out, at {driver.current_url}")


def with_provider(driver, t, login):
    """From the sign-in page, signs in with the provider as `login` on its own login page."""
    driver.get(t.URL + "/dashboard/sign-in")
    button = driver.find_element(By.LINK_TEXT, f"Sign in with {PROVIDER}")
    button.click()
    t.arrive(driver, lambda url: not url.startswith(t.URL + "/"), "at the provider's login page")
    driver.find_element(By.NAME, "login").send_keys(login)
    driver.find_element(By.NAME, "password").send_keys("any password")
    shown = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(t.replaced(shown))


def person(driver, t):
    """A person signs in with a real OpenID provider (the `oidc-provider` package, started by
    scripts/browser-test): the clerk, whose group makes them a secretariat, lands on the
    dashboard with a secretariat's forms and records a meeting; the audit trail names them as
    its actor, and the Sign-ins page lists their session, as a secretariat, with the provider; a
    visitor in no group a rule names is shown whom to ask. `t` is scripts/browser_test.py."""
    sign_out(driver, t)
    with_provider(driver, t, "hwb-clerk")
    t.arrive(driver, lambda url: url.split("?")[0] == t.URL + "/dashboard", "back on the dashboard, signed in")
    nav = [link.text for link in driver.find_elements(By.CSS_SELECTOR, "header nav a")]
    t.check("Record" in nav and "Sign-ins" not in nav, f"a secretariat's navigation: {nav}")
    t.load(driver, "/dashboard/meetings/new", "Record a meeting")
    t.fill(driver, {"body": t.BOARD, "date-day": "4", "date-month": "6", "date-year": "2024",
                    "title": "Health and Wellbeing Board, 4 June 2024 (illustrative)",
                    "agenda": "1. Apologies (illustrative)",
                    "source": "https://example.org/hwb/2024-06-04/agenda"})
    meeting = f"/dashboard/meetings/{t.BOARD}-2024-06-04"
    t.submit(driver, "/dashboard/meetings", meeting, "the person records a meeting")
    t.shot(driver, "signed-in-person")
    sign_out(driver, t)

    t.sign_in(driver, t.TOKEN)
    t.load(driver, "/dashboard/audit", "Audit trail")
    rows = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#events tbody tr")]
    actor = f"{CLERK} <{CLERK_EMAIL}> (signed in with {PROVIDER})"
    t.check(any(actor in row for row in rows), f"the audit trail names the person as the actor: {rows[-3:]}")
    t.load(driver, "/dashboard/sign-ins", "Sign-ins")
    sessions = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#sign-ins tbody tr")]
    theirs = [row for row in sessions if CLERK in row]
    t.check(theirs and "secretariat" in theirs[0] and PROVIDER in theirs[0],
            f"the Sign-ins page lists the person's session, as a secretariat, with the provider: {theirs}")
    sign_out(driver, t)

    # The provider still has the clerk signed in; its cookies (on 127.0.0.1 too) are cleared so
    # that it asks who is signing in.
    driver.delete_all_cookies()
    with_provider(driver, t, "visitor")
    t.arrive(driver, lambda url: url.startswith(t.URL + "/dashboard/sign-in"), "back at Covenant's sign-in page")
    said = driver.find_element(By.TAG_NAME, "main").text
    t.check("has no role" in said and "ask the governance team at Lincolnshire County Council" in said,
            f"a person no rule gives a role is told whom to ask: {said!r}")
    t.check(driver.get_cookie("covenant_session") is None, "and is not signed in")
    t.shot(driver, "signed-in-person-no-role")
