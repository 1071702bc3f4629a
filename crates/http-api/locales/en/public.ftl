# The public record in English. Every message here is also in ../cy/public.ftl, with the same
# variables: `cargo test -p http-api locale` checks it. docs/public.md says how to add or correct one.

## The frame of every page

site-name = Covenant public record
skip-link = Skip to the content
nav-label = Public record
nav-home = Bodies and instruments
nav-search = Search decisions
footer-accessibility = Accessibility statement
footer-note = Decisions appear here once they or their minutes are published. Exempt items (Schedule 12A to the Local Government Act 1972) never do.
# The switch to this language, as shown on a page in the other one.
language-name = English
language-switch = Change the language to English
language-nav = Language
# Beside text the record holds in English only, on a page in another language.
english-only = English only

## The "as of" picker

as-of-region = Point in time
as-of-on = Showing the record as it stood on { $day }.
as-of-today = Showing the record as it stands today, { $day }.
as-of-legend = Date to show the record as of
as-of-hint = For example, 9 3 2021
as-of-show = Show
as-of-now = Today
as-of-show-now = Show the record as it stands today
as-of-error-title = Choose the date to show
date-day = Day
date-month = Month
date-year = Year
date-missing = Enter the date to show the record as of
date-missing-part = Date to show the record as of must include a { $part ->
    [day] day
    [month] month
    [year] year
    [day-month] day and month
    [day-year] day and year
   *[month-year] month and year
  }
date-year-digits = Year must include 4 numbers
date-not-real = Date to show the record as of must be a real date
problem-summary = There is a problem
error-prefix = Error

## Dates written out

date = { $day } { $month } { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## Words for the record's values

rag-red = Red
rag-amber = Amber
rag-green = Green
rag-none = Not rated
rag-lead = (lead: { $rag })
progress-none = none reported
meeting-status-unknown = unknown
meeting-status-scheduled = scheduled
meeting-status-held = held
meeting-status-cancelled = cancelled
instrument-status-unknown = unknown
instrument-status-draft = draft
instrument-status-consultation = consultation
instrument-status-endorsed = endorsed
instrument-status-adopted = adopted
instrument-status-in_delivery = in delivery
instrument-status-under_review = under review
instrument-status-superseded = superseded
instrument-status-expired = expired
instrument-status-withdrawn = withdrawn
kind-strategy = strategy
kind-blueprint = blueprint
kind-mou = MOU
kind-action_plan = action plan
kind-ward_plan = ward plan
kind-programme = programme
outcome-noted = noted
outcome-endorsed = endorsed
outcome-adopted = adopted
outcome-approved = approved
outcome-agreed = agreed
outcome-recommended = recommended
outcome-deferred = deferred
outcome-rejected = rejected
standing-unknown = unknown
standing-decided = in force
standing-called_in = called in
standing-referred_back = referred back
standing-rescinded = rescinded
standing-superseded = superseded
standing-by = { $standing } by { $by }
action-state-overdue = overdue
action-state-due_soon = due soon
action-state-open = open
action-state-deferred = deferred
action-state-done = done
action-state-cancelled = cancelled
party-pending = yet to act
party-adopted = adopted on { $date }
party-signed = signed on { $date }
party-adopted-under = adopted on { $date } under { $resolution }
party-signed-under = signed on { $date } under { $resolution }
party-successor = { $party } (successor to { $predecessor })
party-withdrawn = withdrew on { $date }

## Column headings and facts

col-body = Body
col-organisations = Organisations
col-meetings = Meetings
col-title = Title
col-kind = Kind
col-status = Status
col-complete = Complete
col-rag = RAG
col-organisation = Organisation
col-subscribe = Calendar and feeds
col-date = Date
col-meeting = Meeting
col-minutes-published = Minutes published
col-decisions = Decisions
col-item = Item
col-minute = Minute
col-outcome = Outcome
col-decided = Decided
col-published = Published
col-standing = Standing
col-owner = Owner
col-period = Period
col-version = Version
col-objective = Objective
col-themes = Themes
col-commitments = Commitments
col-commitment = Commitment
col-why = Why
col-due = Due
col-state = State
col-latest-report = Latest report
col-members = Members
col-figure = Figure
col-value = Value

## The home page

home-title = Public record
home-intro = The decisions of these bodies, what each decision led to, and whether it was delivered, as published.
bodies = Bodies
instruments = Strategies, plans and agreements
instruments-caption = Instruments
instruments-none = None is published or adopted yet.
latest-decisions = Latest decisions
subscribe = Calendars and feeds
feed-every-decision = Feed of every published decision (Atom)
feed-every-progress = Feed of progress on every public commitment (Atom)
by-organisation = By organisation
organisation-calendar = Actions due (iCalendar)
organisation-decisions = decisions (Atom)
organisation-progress = progress (Atom)
no-decision-matches = No decision matches.

## A body

body-calendar = Calendar of { $body }'s meetings (iCalendar)
body-decisions = Feed of { $body }'s decisions (Atom)
body-progress = Feed of progress on { $body }'s actions (Atom)
meetings = Meetings

## A meeting and its decisions

meeting-title = { $meeting }, { $date }
agenda = Agenda
agenda-none = No agenda item is on record.
decisions = Decisions
decisions-none = No decision of this meeting is published.
minute = minute { $number }
agenda-item = item { $item }
decision-heading = { $body }, { $minute }, { $date }
decision-heading-undated = { $body }, { $minute }
corrected = Corrected on { $date }. Reason: { $reason }. Earlier wording: “{ $previous }”.
authorised = What it authorised
caused-endorsement = endorsed { $instrument }
caused-adoption = { $party } adopted { $instrument }
caused-signature = { $party } signed { $instrument }
caused-party_withdrawal = { $party } withdrew from { $instrument }
caused-refresh = refreshed { $instrument } as version { $version }
caused-instrument_withdrawal = withdrew { $instrument }
caused-rescission = rescinded { $resolution }
caused-supersession = superseded { $resolution }
trail = Commitments delivering it
trail-arising = arising from it
trail-delivering = delivering

## An instrument

period = { $from } to { $to }
version = { $label } ({ $date })
instrument-decisions = Feed of decisions on { $instrument } (Atom)
instrument-progress = Feed of progress on { $instrument } (Atom)
parties = Parties
objectives = Objectives
indicators = Indicators
commitments = Commitments
chart-none = No baseline, target or reading is on record.
chart-label = { $title } ({ $unit }): baseline { $baseline }, { $readings ->
    [one] { $readings } reading
   *[other] { $readings } readings
  }, latest { $latest }, target { $target }
chart-nothing = none
chart-value-on = { $value } on { $date }
chart-value-by = { $value } by { $date }
chart-baseline = baseline
chart-target = target { $value }
chart-readings = Readings
figure-baseline = Baseline
figure-reading = Reading
figure-target = Target

## Search

search-title = Search decisions
search-words = Words
search-any-body = Any body
search-any-organisation = Any organisation
search-theme = Theme
search-any-theme = Any theme
search-from = Decided from
search-to = Decided to
search-button = Search
decisions-found = { $count ->
    [one] { $count } decision found
   *[other] { $count } decisions found
  }

## Errors

error-not-found = Page not found
error-bad-request = There is a problem with the address
error-server = Sorry, there is a problem with the service
error-back = Back to the public record
not-found-body = The public record holds no body { $key }: start from the list of bodies and instruments at /public
not-found-meeting = The public record holds no meeting { $key }: start from the list of bodies and instruments at /public
not-found-instrument = The public record holds no instrument { $key }: start from the list of bodies and instruments at /public
not-found-body-on = The public record holds no body { $key } on { $date }: start from the list of bodies and instruments at /public
not-found-meeting-on = The public record holds no meeting { $key } on { $date }: start from the list of bodies and instruments at /public
not-found-instrument-on = The public record holds no instrument { $key } on { $date }: start from the list of bodies and instruments at /public
not-found-calendar-body = The public record holds no body { $key }: the list of bodies at /public links to each calendar
not-found-calendar-organisation = The public record holds no organisation { $key }: the list of bodies at /public links to each calendar
feed-one-scope = a feed follows one body, organisation or instrument: give only one of them

## Calendars and feeds

calendar-meetings = { $body }: meetings
calendar-actions = { $organisation }: actions due
calendar-agenda = Agenda:
calendar-minutes = Minutes published on { $date }; { $count ->
    [one] { $count } decision
   *[other] { $count } decisions
  } published.
calendar-state = State: { $state }. { $percent }% complete.
calendar-towards = Towards: { $title }.
calendar-due = Due: { $title }
feed-author = Covenant public record
feed-decisions = Public record: decisions
feed-progress = Public record: progress
feed-decisions-of = Public record: decisions of { $scope }
feed-progress-of = Public record: progress of { $scope }
feed-progress-entry = { $title }: { $percent }% complete, { $status } ({ $period })

## The accessibility statement

a11y-title = Accessibility statement
a11y-applies = This statement applies to the public record of decisions and delivery published by Covenant at /public, and to the board dashboard at /dashboard.
a11y-run-by = This website is run by the partnership's secretariat. We want as many people as possible to be able to use it. For example, that means you should be able to:
a11y-able-colours = change colours, contrast levels and fonts using browser or device settings
a11y-able-zoom = zoom in up to 400% without the text spilling off the screen
a11y-able-keyboard = navigate most of the website using just a keyboard or speech recognition software
a11y-able-screen-reader = listen to most of the website using a screen reader
a11y-able-no-script = use every page without JavaScript
a11y-able-welsh = read every page of the public record in Welsh or in English
a11y-how = How accessible this website is
a11y-how-text = Every chart of an indicator has its figures in a table beside it, RAG ratings are always written as a word beside their colour, and every table has headers. We check every page with axe-core in an automated browser test.
a11y-known = We know some parts of this website are not fully accessible:
a11y-known-dates = the date search fields use the browser's own date field rather than separate day, month and year fields
a11y-known-english = titles, names and the text of decisions are recorded in English, and in Welsh only where a translation is recorded, so pages in Welsh show in English those without one
a11y-feedback = Feedback and contact information
a11y-feedback-text = If you need information on this website in a different format, or find a problem not listed on this page, contact the secretariat of the body concerned. We'll consider your request and get back to you within 10 working days.
a11y-enforcement = Enforcement procedure
a11y-enforcement-text = The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the 'accessibility regulations'). If you're not happy with how we respond to your complaint,
a11y-eass = contact the Equality Advisory and Support Service (EASS)
a11y-technical = Technical information about this website's accessibility
a11y-technical-text = We are committed to making this website accessible, in accordance with the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018.
a11y-compliance = Compliance status
a11y-compliance-text = This website is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard, due to the non-compliances listed below.
a11y-non-accessible = Non-accessible content
a11y-non-accessible-text = The content listed below is non-accessible for the following reasons.
a11y-non-accessible-dates = The search's date fields are single browser date fields, not day, month and year fields as the GOV.UK Design System recommends. This may make dates harder to enter with some assistive technologies (WCAG 2.2 success criterion 3.3.2, labels or instructions).
a11y-tested = How we tested this website
a11y-tested-text = Every public page, in English and in Welsh, and every dashboard page the browser test visits, is checked with axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules each time the software changes. The statement is reviewed when the software changes.
