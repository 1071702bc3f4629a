//! A partner organisation's actions, for its lead (a contributor token): every open action it
//! answers for, most pressing first, with what is overdue, due soon or stale; and one page per
//! action with its milestones and the forms to report progress on it, reach a milestone and
//! complete it, and, for the roles that may (the secretariat, an administrator), add a
//! milestone. A contributor is refused (403) any action its organisation does not hold, when it
//! asks for the page and again, by `app::access`, when it posts.

use std::sync::Arc;

use app::{Action, Principal};
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::commitment::{self, ReportingPeriod};
use domain::ids::commitment_stream;
use domain::rag::Rag;
use domain::values::in_words;
use domain::{Aggregate, Command, Key, OrgId};
use maud::html;
use projections::{ActionRow, Filters, GroupBy};

use super::form::{self, Again, Check, FieldError, Fields, Read, RecordedQuery};
use super::session::{About, Viewer};
use super::{Failure, Point, layout, render};
use crate::{ApiError, Service};

const LIST: &str = "/dashboard/actions";

/// The statuses a lead may report, as the form offers them.
const STATUSES: [(&str, &str, Rag); 3] = [
    ("green", "Green: on track", Rag::Green),
    ("amber", "Amber: at risk", Rag::Amber),
    ("red", "Red: off track", Rag::Red),
];

/// Whether `principal` leads a partner organisation's actions: a contributor token, which acts
/// for one organisation.
pub(crate) fn leads_actions(principal: &Principal) -> bool {
    principal.role.is_scoped()
        && principal.organisation.is_some()
        && principal.require(Action::Record(Aggregate::Commitment)).is_ok()
}

/// The organisation `principal` records `aggregate` commands for: its own, for a contributor, or
/// none (any) for a role not bound to an organisation; 403 for a role that may not record them,
/// or a contributor token that acts for no organisation.
pub(crate) fn acting_for(principal: &Principal, aggregate: Aggregate) -> Result<Option<OrgId>, Failure> {
    principal.require(Action::Record(aggregate))?;
    let organisation = principal.organisation.clone();
    if principal.role.is_scoped() && organisation.is_none() {
        return Err(Failure(ApiError::Forbidden(
            "this contributor token acts for no organisation: ask an administrator for a token of your organisation"
                .to_owned(),
        )));
    }
    Ok(organisation)
}

/// The actions `principal` may report on as of `point`: its organisation's, or every one for a
/// role not bound to an organisation that may record commitments.
async fn rows(service: &Service, principal: &Principal, point: &Point) -> Result<Vec<ActionRow>, Failure> {
    let organisation = acting_for(principal, Aggregate::Commitment)?;
    let models = service.reports.models(point.as_of).await?;
    let filters = Filters { organisation: organisation.clone(), ..Filters::default() };
    let view = models.actions().view(&filters, service.reports.rules(), point.today, GroupBy::Organisation);
    // Held now, not only before a succession.
    Ok(view.rows.into_iter().filter(|r| organisation.is_none() || r.organisation == organisation).collect())
}

/// `GET /dashboard/actions`.
pub(crate) async fn list(State(service): State<Arc<Service>>, viewer: Viewer) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let open: Vec<ActionRow> =
        rows(&service, &viewer.0, &point).await?.into_iter().filter(|r| r.state.is_open()).collect();
    let name = open.iter().find_map(|r| r.organisation_name.clone());
    let content = html! {
        p {
            @match &name { Some(name) => { "Every open action " (name) " leads, most pressing first." }, None => "Every open action your organisation leads, most pressing first." }
            " Report progress on each from its page."
        }
        (layout::scrolling("Open actions", html! {
            table #actions {
                caption { "Open actions" }
                thead { tr {
                    th scope="col" { "Action" } th scope="col" { "Due" } th scope="col" { "State" }
                    th scope="col" { "Last update" } th scope="col" .num { "Complete" } th scope="col" { "RAG" }
                } }
                tbody {
                    @for r in &open {
                        tr data-commitment=(r.commitment) {
                            th scope="row" { a href=(format!("{LIST}/{}", r.commitment)) { (r.title) } }
                            td { (layout::date(r.due_on)) }
                            td data-field="state" { (in_words(&r.state)) @if r.stale { strong { ", stale" } } }
                            td { (layout::date(r.last_update)) }
                            td.num { (layout::progress(Some(r.progress))) }
                            td { (layout::rag_beside_lead(r.rag, r.lead_status())) }
                        }
                    }
                }
            }
        }))
        @if open.is_empty() { p.note { "No open action is on record for your organisation." } }
    };
    let broken = service.reports.broken().await;
    Ok(render(layout::page(
        "Your organisation's actions",
        broken.as_ref(),
        &viewer,
        &point,
        form::AS_OF_PAGE,
        &[],
        content,
    )))
}

/// `GET /dashboard/actions/{commitment}`.
pub(crate) async fn page(
    About { service, viewer, key }: About,
    query: Result<Query<RecordedQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let (key, confirmation) = form::named(&service, query, key, "commitment", commitment_stream).await?;
    action_page(&service, &viewer, &key, confirmation, None).await
}

/// The action `key`, when `principal` may report on it.
async fn action(service: &Service, principal: &Principal, key: &Key) -> Result<ActionRow, Failure> {
    let point = Point::read(None)?;
    rows(service, principal, &point).await?.into_iter().find(|r| &r.commitment == key).ok_or_else(|| {
        Failure(ApiError::Forbidden(format!(
            "{key} is not an action your organisation leads: you may only report on your own organisation's actions, listed at {LIST}"
        )))
    })
}

/// One of the forms of an action's page: its name, and where it posts to, below the action's
/// own address.
struct ActionForm {
    name: &'static str,
    below: &'static str,
}

impl ActionForm {
    /// The address the form on the action `key`'s page posts to.
    fn path(&self, key: &Key) -> String {
        format!("{LIST}/{key}/{}", self.below)
    }
}

const PROGRESS: ActionForm = ActionForm { name: "progress", below: "progress" };
const MILESTONE: ActionForm = ActionForm { name: "milestone", below: "milestones" };
const COMPLETE: ActionForm = ActionForm { name: "complete", below: "complete" };
const ADD_MILESTONE: ActionForm = ActionForm { name: "add-milestone", below: "milestones/new" };

/// The milestones of the action `key`, as the reports read them at `point`.
async fn milestones(service: &Service, key: &Key, point: &Point) -> Result<Vec<commitment::Milestone>, Failure> {
    let models = service.reports.models(point.as_of).await?;
    Ok(models.commitment(key).map(|c| c.milestones.clone()).unwrap_or_default())
}

/// Refuses `principal` adding milestones to the action `key` unless its role may (the
/// secretariat and an administrator may, a contributor may not), as `app::access` decides.
fn may_add_milestones(principal: &Principal, key: &Key, today: domain::Date) -> Result<(), Failure> {
    let adding = commitment::Command::AddMilestone {
        id: key.clone(),
        milestone: key.clone(),
        title: String::new(),
        due_on: today,
    };
    Ok(principal.may_send(&Command::Commitment(adding))?)
}

async fn action_page(
    service: &Service,
    viewer: &Viewer,
    key: &Key,
    confirmation: maud::Markup,
    again: Option<Again<'_>>,
) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let row = action(service, &viewer.0, key).await?;
    let milestones = milestones(service, key, &point).await?;
    let current = form::stream_version(service, &commitment_stream(key)).await?;
    let shown = |which: &str| Again::form(again.as_ref(), which, Some(Read::Version(current)));
    let (progress, milestone, complete) = (shown(PROGRESS.name), shown(MILESTONE.name), shown(COMPLETE.name));
    let adding = shown(ADD_MILESTONE.name);
    let may_add = may_add_milestones(&viewer.0, key, point.today).is_ok();
    let choices: Vec<(String, String)> = milestones
        .iter()
        .filter(|m| m.reached_on.is_none())
        .map(|m| (m.key.to_string(), format!("{} (due {})", m.title, m.due_on)))
        .collect();
    let content = html! {
        (confirmation)
        (progress.summary())
        (milestone.summary())
        (complete.summary())
        (adding.summary())
        dl.facts #facts {
            dt { "Lead" } dd { (row.lead) }
            dt { "Due" } dd { (layout::date(row.due_on)) }
            dt { "State" } dd data-field="state" { (in_words(&row.state)) @if row.stale { ", stale" } }
            dt { "Complete" } dd data-field="complete" { (layout::progress(Some(row.progress))) }
            dt { "RAG" } dd { (layout::rag_beside_lead(row.rag, row.lead_status())) }
            @if let Some(last) = &row.last_report {
                dt { "Last report" } dd data-field="last-report" { (last.period) ", " (layout::date(Some(last.reported_on))) ": " (last.narrative) }
            }
        }
        @if !milestones.is_empty() {
            (layout::scrolling("Milestones", html! {
                table #milestones {
                    caption { "Milestones" }
                    thead { tr { th scope="col" { "Milestone" } th scope="col" { "Due" } th scope="col" { "Reached" } } }
                    tbody {
                        @for m in &milestones {
                            tr data-milestone=(m.key) {
                                th scope="row" { (m.title) }
                                td { (layout::date(Some(m.due_on))) }
                                td data-field="reached" { @match m.reached_on { Some(on) => (layout::date(Some(on))), None => "not yet" } }
                            }
                        }
                    }
                }
            }))
        }
        @if row.state.is_open() {
            h2 #report { "Report progress" }
            form.record method="post" action=(PROGRESS.path(key)) novalidate {
                (progress.hidden(viewer))
                (progress.number("percent", "Percentage complete", Some("A whole number from 0 to 100"), "%"))
                (progress.radios("status", "Status, as you see it", &STATUSES.map(|(v, l, _)| (v, l))))
                (progress.textarea("narrative", "What has happened", Some("What was done since the last report, and what is next")))
                (progress.text("evidence", "Evidence link (optional)", Some("The address of a report or paper that shows it")))
                (progress.text("period", "Reporting period", Some("For example, 2024/25 Q1")))
                (progress.date("reported_on", "Date of the report", Some("For example, 20 4 2024")))
                (progress.text("source", "Source", Some("The return or paper this report comes from")))
                button type="submit" { "Report progress" }
            }
            @if !choices.is_empty() {
                h2 #milestone { "Reach a milestone" }
                form.record method="post" action=(MILESTONE.path(key)) novalidate {
                    (milestone.hidden(viewer))
                    (milestone.select("milestone", "Milestone", &choices, Some("Choose the milestone reached")))
                    (milestone.date("reached_on", "Date it was reached", Some("For example, 15 10 2021")))
                    (milestone.text("source", "Source", Some("The return or paper that says so")))
                    button type="submit" { "Record the milestone" }
                }
            }
            h2 #completion { "Complete the action" }
            form.record method="post" action=(COMPLETE.path(key)) novalidate {
                (complete.hidden(viewer))
                (complete.textarea("narrative", "What was achieved", Some("For example, Fast-track route adopted by all seven districts")))
                (complete.text("evidence", "Evidence link (optional)", Some("The address of a report or paper that shows it")))
                (complete.date("completed_on", "Date it was completed", Some("For example, 31 3 2023")))
                (complete.text("source", "Source", Some("The return or paper this comes from")))
                button type="submit" { "Complete the action" }
            }
            @if may_add {
                h2 #add-milestone { "Add a milestone" }
                form.record method="post" action=(ADD_MILESTONE.path(key)) novalidate {
                    (adding.hidden(viewer))
                    (adding.text("title", "Milestone", Some("What will have been done, as the plan words it, for example Fast-track route agreed by all seven districts")))
                    (adding.text("milestone", "Reference (optional)", Some("A short stable reference; left empty, it is made from the milestone's words")))
                    (adding.date("due_on", "Date it is due", Some("For example, 30 9 2024")))
                    (adding.date("agreed_on", "Date it was agreed", Some("The date of the plan or meeting that set it, for example 1 4 2024")))
                    (adding.text("source", "Source", Some("The plan or minute that sets it")))
                    button type="submit" { "Add the milestone" }
                }
            }
        }
    };
    let problems = Again::problems(again.as_ref());
    Ok(form::page(service, viewer, &point, &row.title, content, problems).await)
}

/// What a form of the action `key`'s page posted, once it is known to come from the session's
/// own page (else 403) and to be about an action the viewer may report on (else 403).
async fn checked(
    service: &Service,
    viewer: &Viewer,
    key: &str,
    posted: Vec<(String, String)>,
) -> Result<(Fields, Key), Failure> {
    let fields = form::guarded(viewer, posted)?;
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, "commitment"))?;
    action(service, &viewer.0, &key).await?;
    Ok((fields, key))
}

/// Records what the form `which` of the action `key`'s page posted, once it is [`checked`], as
/// [`send`] does.
async fn record(
    service: &Service,
    viewer: &Viewer,
    key: &str,
    posted: Vec<(String, String)>,
    which: &ActionForm,
    read: impl FnOnce(&mut Check<'_>, &Key) -> form::Reading,
) -> Result<Response, Failure> {
    let (fields, key) = checked(service, viewer, key, posted).await?;
    send(service, viewer, &key, &fields, which, read).await
}

/// Records what the form `which` of the action `key`'s page posted, as [`form::record`] does,
/// showing the page again with the form as posted and what is wrong with it.
async fn send(
    service: &Service,
    viewer: &Viewer,
    key: &Key,
    fields: &Fields,
    which: &ActionForm,
    read: impl FnOnce(&mut Check<'_>, &Key) -> form::Reading,
) -> Result<Response, Failure> {
    let again = async |problems: &[FieldError]| {
        action_page(service, viewer, key, html! {}, Some(Again { which: which.name, fields, problems })).await
    };
    let done = format!("{LIST}/{key}");
    form::record(service, viewer, &which.path(key), fields, &done, again, |check| read(check, key)).await
}

/// `POST /dashboard/actions/{commitment}/progress`.
pub(crate) async fn report(
    About { service, viewer, key }: About,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    record(&service, &viewer, &key, posted, &PROGRESS, |check, key| {
        let percent = check.number("percent", "Percentage complete", 0, 100);
        let status = check.choice("status", &STATUSES.map(|(v, _, r)| (v, r)), "Select the status as you see it");
        let narrative = check.text("narrative", "Enter what has happened");
        let evidence = check.optional("evidence");
        let period = check.text("period", "Enter the reporting period, for example 2024/25 Q1");
        let reported_on = check.date("reported_on", "Date of the report");
        let command = commitment::Command::ReportProgress {
            id: key.clone(),
            status: status?,
            percent_complete: u8::try_from(percent?).unwrap_or(100),
            narrative: narrative?,
            evidence_refs: evidence.into_iter().collect(),
            period: ReportingPeriod { label: period?, from: None, to: None },
            reported_on: reported_on?,
        };
        Some((Command::Commitment(command), None))
    })
    .await
}

/// `POST /dashboard/actions/{commitment}/milestones`.
pub(crate) async fn reach_milestone(
    About { service, viewer, key }: About,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    record(&service, &viewer, &key, posted, &MILESTONE, |check, key| {
        let milestone = check.chosen_key("milestone", "Choose the milestone reached");
        let reached_on = check.date("reached_on", "Date it was reached");
        let command =
            commitment::Command::ReachMilestone { id: key.clone(), milestone: milestone?, reached_on: reached_on? };
        Some((Command::Commitment(command), None))
    })
    .await
}

/// `POST /dashboard/actions/{commitment}/complete`.
pub(crate) async fn complete(
    About { service, viewer, key }: About,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    record(&service, &viewer, &key, posted, &COMPLETE, |check, key| {
        let narrative = check.text("narrative", "Enter what was achieved");
        let evidence = check.optional("evidence");
        let completed_on = check.date("completed_on", "Date it was completed");
        let command = commitment::Command::Complete {
            id: key.clone(),
            completed_on: completed_on?,
            narrative: narrative?,
            evidence_refs: evidence.into_iter().collect(),
        };
        Some((Command::Commitment(command), None))
    })
    .await
}

/// `POST /dashboard/actions/{commitment}/milestones/new`, for the roles that may add milestones.
pub(crate) async fn add_milestone(
    About { service, viewer, key }: About,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let (fields, key) = checked(&service, &viewer, &key, posted).await?;
    let point = Point::read(None)?;
    may_add_milestones(&viewer.0, &key, point.today)?;
    send(&service, &viewer, &key, &fields, &ADD_MILESTONE, |check, key| {
        let title = check.text("title", "Enter the milestone, as the plan words it");
        let milestone = check.reference("milestone", title.as_deref());
        let due_on = check.date("due_on", "Date it is due");
        let agreed_on = check.date("agreed_on", "Date it was agreed");
        let command = commitment::Command::AddMilestone {
            id: key.clone(),
            milestone: milestone?,
            title: title?,
            due_on: due_on?,
        };
        // Adding a milestone carries no date of its own: it happened on the date it was agreed.
        Some((Command::Commitment(command), Some(agreed_on?)))
    })
    .await
}
