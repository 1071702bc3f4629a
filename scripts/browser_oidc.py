"""Signing in, in headless Chromium, called by scripts/browser_test.py.

`sign_ins`: with the browser signed in as the administrator, the Sign-ins page lists the
administrator's own session, active, with who, as what and with what token; each active session
has an "End session" button whose accessible name says whose session it ends; and the role rules
say whom a person without a role is told to ask. Nothing is ended, so the run stays signed in.

`person`: people sign in through a real OpenID provider, the `oidc-provider` npm package that
scripts/browser-test starts on loopback (scripts/oidc-provider.mjs) with two clients, one for
each of two partner organisations' providers that covenant.toml names, as described there.
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
PARTNER = "West Lindsey District Council"
CLERK = "Hwb Clerk (illustrative)"
CLERK_EMAIL = "hwb.clerk@lincolnshire.gov.uk"
# Actions of the Lincolnshire story: one held by Lincolnshire County Council, one by West Lindsey.
LINCOLNSHIRE_ACTION = "hhcdg-delivery-plan"
WEST_LINDSEY_ACTION = "hhcdg-dfg-fast-track"


def sign_out(driver, t):
    """Signs out of Covenant from the header of the overview."""
    t.load(driver, "/dashboard", "Instruments at a glance")
    shown = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "header form button[type=submit]").click()
    WebDriverWait(driver, 30).until(t.replaced(shown))
    t.check(driver.get_cookie("covenant_session") is None, f"signed out, at {driver.current_url}")


def at_provider_login(driver, t, provider):
    """From the sign-in page, follows "Sign in with `provider`" and checks that the provider asks
    who is signing in (so no session of its own signs the browser in at once)."""
    driver.get(t.URL + "/dashboard/sign-in")
    driver.find_element(By.LINK_TEXT, f"Sign in with {provider}").click()
    t.arrive(driver, lambda url: not url.startswith(t.URL + "/"), f"at {provider}'s login page")
    t.check(driver.find_elements(By.NAME, "login"), f"{provider} asks who is signing in: {driver.current_url}")


def sign_out_at_provider(driver, t, provider):
    """On the page Covenant shows after signing a person out, follows "Sign out of `provider`",
    confirms on the provider's own page and comes back to Covenant's sign-in page; then checks
    that the provider's session ended too: signing in again asks who is signing in."""
    link = driver.find_elements(By.LINK_TEXT, f"Sign out of {provider}")
    t.check(link, f"Covenant offers to sign out of {provider} too")
    link[0].click()
    t.arrive(driver, lambda url: not url.startswith(t.URL + "/"), f"at {provider}'s sign-out page")
    shown = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "button[name=logout][value=yes]").click()
    WebDriverWait(driver, 30).until(t.replaced(shown))
    t.arrive(driver, lambda url: url.split("?")[0] == t.URL + "/dashboard/sign-in", "back at Covenant's sign-in page")
    at_provider_login(driver, t, provider)


def with_provider(driver, t, login, provider=PROVIDER):
    """From the sign-in page, signs in with `provider` as `login` on its own login page."""
    at_provider_login(driver, t, provider)
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
    visitor in no group a rule names is shown whom to ask. A West Lindsey officer, signed in with
    West Lindsey's own provider (the provider's second client) and made a contributor for West
    Lindsey by their group and email domain, reaches West Lindsey's action and cannot reach
    Lincolnshire County Council's. Each person's sign-out ends their session at Covenant and, when
    they follow Covenant's link, at the provider too, which then asks who is signing in.
    `t` is scripts/browser_test.py."""
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
    sign_out_at_provider(driver, t, PROVIDER)

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

    partner_officer(driver, t)

    with_provider(driver, t, "visitor")
    t.arrive(driver, lambda url: url.startswith(t.URL + "/dashboard/sign-in"), "back at Covenant's sign-in page")
    said = driver.find_element(By.TAG_NAME, "main").text
    t.check("has no role" in said and "ask the governance team at Lincolnshire County Council" in said,
            f"a person no rule gives a role is told whom to ask: {said!r}")
    t.check(driver.get_cookie("covenant_session") is None, "and is not signed in")
    t.shot(driver, "signed-in-person-no-role")


def partner_officer(driver, t):
    """A West Lindsey officer signs in with West Lindsey's provider: a contributor for West
    Lindsey, they are shown West Lindsey's action and refused Lincolnshire County Council's, with
    no progress form; then they sign out of both."""
    with_provider(driver, t, "wld-officer", PARTNER)
    t.arrive(driver, lambda url: url.split("?")[0] == t.URL + "/dashboard", "the officer is on the dashboard")
    # West Lindsey's one action in the demo is done, so its page offers no form: it is shown.
    driver.get(t.URL + f"/dashboard/actions/{WEST_LINDSEY_ACTION}")
    heading = t.text(driver, "main h1")
    t.check("Fast-track Disabled Facilities Grant" in heading,
            f"the officer is shown West Lindsey's own action: {heading!r}")
    driver.get(t.URL + f"/dashboard/actions/{LINCOLNSHIRE_ACTION}")
    t.check(not driver.find_elements(By.CSS_SELECTOR, "form[action$='/progress']"),
            "and no progress form on Lincolnshire County Council's action")
    heading = t.text(driver, "main h1")
    t.check(heading == "Your role does not allow this", f"a refusal page instead: {heading!r}")
    said = driver.find_element(By.TAG_NAME, "main").text
    t.check("is not an action your organisation leads" in said, f"which says why: {said!r}")
    t.shot(driver, "signed-in-partner-refused")
    sign_out(driver, t)
    sign_out_at_provider(driver, t, PARTNER)
