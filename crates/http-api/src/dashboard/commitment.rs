//! Making actions and commitments, for the secretariat: the form that records an action an
//! organisation commits to, towards an objective of an instrument or arising from a resolution
//! (a board's action log), with its lead organisation, its named lead, its due date and its
//! parent. The action is made on the date the form gives, which is when it happened; the browser
//! is then sent to the action's page. Every command goes down the API's recording path through
//! [`super::form`].

use std::sync::Arc;

use app::{Action, Principal, Submission};
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use domain::commitment::{self, ObjectiveRef};
use domain::{Aggregate, Command, Key};
use maud::html;
use projections::{Filters, GroupBy};

use super::form::{self, Check, FieldError, Read, Typed};
use super::session::Viewer;
use super::{Failure, Point, organisation_options};
use crate::{ApiError, Service};

const PATH: &str = "/dashboard/actions";
pub(crate) const NEW: &str = "/dashboard/actions/new";

/// `GET /dashboard/actions/new`.
pub(crate) async fn new(State(service): State<Arc<Service>>, viewer: Viewer) -> Result<Response, Failure> {
    may_make(&viewer.0)?;
    new_page(&service, &viewer, Typed::BLANK).await
}

/// Refuses a role that may not make actions: only the secretariat and admin may; a partner's
/// lead reports on the actions made for its organisation.
pub(crate) fn may_make(principal: &Principal) -> Result<(), Failure> {
    principal.require(Action::Record(Aggregate::Commitment))?;
    if principal.role.is_scoped() {
        return Err(Failure(ApiError::Forbidden(
            "a contributor token may not make actions: ask the secretariat to record the action, then report progress on it".to_owned(),
        )));
    }
    Ok(())
}

/// What an action may be made under, lead by or be part of, as the form offers them.
struct Choices {
    objectives: Vec<(String, String)>,
    resolutions: Vec<(String, String)>,
    organisations: Vec<(String, String)>,
    parents: Vec<(String, String)>,
}

async fn choices(service: &Service, point: &Point) -> Result<Choices, Failure> {
    let models = service.reports.models(point.as_of).await?;
    let rules = service.reports.rules();
    let board = models.status().view(&Filters::default(), rules, point.today);
    let objectives = board
        .instruments
        .iter()
        .flat_map(|i| {
            i.objectives
                .iter()
                .map(move |o| (format!("{} {}", i.instrument, o.objective), format!("{}: {}", i.title, o.title)))
        })
        .collect();
    let resolutions = models
        .resolutions_on_record()
        .filter_map(|r| {
            let id = r.id.as_ref()?;
            let text: String = r.text.chars().take(80).collect();
            let more = if r.text.chars().count() > 80 { "…" } else { "" };
            Some((id.to_string(), format!("{id}: {text}{more}")))
        })
        .collect();
    let organisations = organisation_options(&models);
    let actions = models.actions().view(&Filters::default(), rules, point.today, GroupBy::Organisation);
    let parents = actions.rows.into_iter().map(|r| (r.commitment.to_string(), r.title)).collect();
    Ok(Choices { objectives, resolutions, organisations, parents })
}

async fn new_page(service: &Service, viewer: &Viewer, typed: Typed<'_>) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let choices = choices(service, &point).await?;
    let shown = typed.shown(Some(Read::Version(0)));
    let content = html! {
        (shown.summary())
        p { "Record an action an organisation has committed to, as the action plan or the board's action log gives it: towards one of an instrument's objectives, or arising from a resolution, or both." }
        form.record method="post" action=(PATH) novalidate {
            (shown.hidden(viewer))
            (shown.text("title", "Action", Some("As the plan words it, for example Fast-track Disabled Facilities Grant adaptations across the districts")))
            (shown.text("id", "Reference (optional)", Some("A short stable reference, such as hhcdg-dfg-fast-track; left empty, it is made from the action's words")))
            (shown.select("towards", "Objective it works towards", &choices.objectives, Some("None")))
            (shown.select("arising_from", "Resolution it arises from", &choices.resolutions, Some("None")))
            (shown.select("organisation", "Lead organisation", &choices.organisations, Some("Choose the organisation that answers for it")))
            (shown.text("lead", "Named lead", Some("The officer or role who owns it, for example Housing Services Manager")))
            (shown.date("due_on", "Due date", Some("For example, 31 3 2025")))
            (shown.select("parent", "Part of a larger action (optional)", &choices.parents, Some("None")))
            (shown.number("weight", "Weight (optional)", Some("How much it counts towards its parent or objective, a whole number; 1 when left empty"), ""))
            (shown.date("made_on", "Date the action was agreed", Some("The date of the plan or meeting that agreed it, for example 1 4 2021")))
            (shown.text("source", "Source", Some("The plan or minute it comes from")))
            button type="submit" { "Record the action" }
        }
    };
    Ok(form::page(service, viewer, &point, "Record an action", content, typed.problems).await)
}

/// `POST /dashboard/actions`.
pub(crate) async fn record(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let fields = form::guarded(&viewer, posted)?;
    may_make(&viewer.0)?;
    let again = async |problems: &[FieldError]| new_page(&service, &viewer, Typed { fields: &fields, problems }).await;
    let mut check = Check::new(&fields);
    let title = check.text("title", "Enter the action, as the plan words it");
    let id = check.reference("id", title.as_deref());
    let towards = check.optional("towards").and_then(|chosen| {
        let found = chosen.split_once(' ').and_then(|(i, o)| Some((Key::parse(i).ok()?, Key::parse(o).ok()?)));
        if found.is_none() {
            check.add("towards", "Choose an objective from the list");
        }
        found.map(|(instrument, objective)| ObjectiveRef { instrument, objective })
    });
    let arising_from = check.key("arising_from");
    let organisation = check.chosen_organisation("organisation", "Choose the organisation that answers for the action");
    let lead = check.text("lead", "Enter the named lead, such as the officer's role");
    let due_on = check.date("due_on", "Due date");
    let parent = check.key("parent");
    let weight = match check.optional("weight") {
        Some(_) => check.number("weight", "Weight", 1, 1000),
        None => Some(1),
    };
    let made_on = check.date("made_on", "Date the action was agreed");
    if towards.is_none()
        && arising_from.is_none()
        && check.problems.iter().all(|p| p.field.as_deref() != Some("towards"))
    {
        check.add("towards", "Choose the objective the action works towards, or the resolution it arises from");
    }
    let (Some(id), Some(title), Some(organisation), Some(lead), Some(due_on), Some(weight), Some(made_on), true) =
        (id, title, organisation, lead, due_on, weight, made_on, check.problems.is_empty())
    else {
        return again(&check.problems).await;
    };
    let command = Command::Commitment(commitment::Command::Make {
        id: id.clone(),
        title,
        organisation,
        lead,
        towards,
        arising_from,
        due_on,
        weight,
        parent,
        made_on,
    });
    let submission = Submission { command, provenance: form::provenance(&viewer, &fields, None) };
    let done = format!("{PATH}/{id}");
    form::send(&service, &viewer, PATH, &fields, vec![submission], &done, again).await
}
