"""The administrators' Sign-ins page in headless Chromium, called by scripts/browser_test.py.

With the browser signed in as the administrator: the page lists the administrator's own session,
active, with who, as what and with what token; each active session has an "End session" button
whose accessible name says whose session it ends; and the role rules (none set in this run) say
whom a person without a role is told to ask. Nothing is ended, so the run stays signed in.
"""

from selenium.webdriver.common.by import By


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
