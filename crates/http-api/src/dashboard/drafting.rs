//! Instruments, for the secretariat: the form that records a strategy, blueprint, MOU, action
//! plan, ward plan or programme as drafted (its kind, title, owner body, parties, the period it
//! covers, what it builds on, its objectives and its first version), and the form that publishes
//! a new version of one. Every command goes down the API's recording path through
//! [`super::form`]; the drafting, its parties and objectives are one transaction.

use std::sync::Arc;

use app::{Action, Provenance, Submission};
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use domain::ids::instrument_stream;
use domain::instrument::{self, Kind};
use domain::{Aggregate, Command, Key, Period};
use maud::html;
use projections::Filters;

use super::form::{self, Check, FieldError, Read, Typed};
use super::session::{About, Viewer};
use super::{Failure, Point, body_options, organisation_options};
use crate::{ApiError, Service};

const PATH: &str = "/dashboard/instruments";
pub(crate) const NEW: &str = "/dashboard/instruments/new";

/// The kinds of instrument, as the form offers them.
const KINDS: [(&str, &str, Kind); 6] = [
    ("strategy", "Strategy", Kind::Strategy),
    ("blueprint", "Blueprint", Kind::Blueprint),
    ("mou", "Memorandum of understanding (MOU)", Kind::Mou),
    ("action_plan", "Action plan", Kind::ActionPlan),
    ("ward_plan", "Ward plan", Kind::WardPlan),
    ("programme", "Programme", Kind::Programme),
];

/// `GET /dashboard/instruments/new`.
pub(crate) async fn new(State(service): State<Arc<Service>>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.0.require(Action::Record(Aggregate::Instrument))?;
    new_page(&service, &viewer, Typed::BLANK).await
}

async fn new_page(service: &Service, viewer: &Viewer, typed: Typed<'_>) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let models = service.reports.models(point.as_of).await?;
    let bodies = body_options(&models);
    let organisations = organisation_options(&models);
    let board = models.status().view(&Filters::default(), service.reports.rules(), point.today);
    let instruments: Vec<(String, String)> =
        board.instruments.into_iter().map(|i| (i.instrument.to_string(), i.title)).collect();
    drop(models);
    let shown = typed.shown(Some(Read::Version(0)));
    let content = html! {
        (shown.summary())
        p { "Record a strategy, blueprint, memorandum of understanding, action plan or ward plan as it was drafted, with its parties and objectives. Its endorsement and adoption are recorded with the resolutions that give them, on the meeting's page." }
        form.record method="post" action=(PATH) novalidate {
            (shown.hidden(viewer))
            (shown.radios("kind", "Kind of instrument", &KINDS.map(|(v, l, _)| (v, l))))
            (shown.text("title", "Title", Some("As the document gives it, for example Lincolnshire Homes for Independence Blueprint")))
            (shown.text("id", "Reference (optional)", Some("A short stable reference, such as lincolnshire-homes-for-independence-blueprint; left empty, it is made from the title")))
            (shown.select("owner_body", "Owner", &bodies, Some("Choose the body that owns it")))
            (shown.checkboxes("parties", "Parties", Some("The organisations that sign, adopt or deliver it"), &organisations))
            (shown.date("from", "Start of the period it covers (optional)", Some("For example, 1 4 2023; leave empty for an MOU that runs until withdrawn")))
            (shown.date("to", "End of the period it covers (optional)", Some("For example, 31 3 2028")))
            (shown.select("builds_on", "Builds on (optional)", &instruments, Some("None")))
            (shown.textarea("objectives", "Objectives or priorities", Some("One a line, as the document words them; each is given a reference made from its first words")))
            (shown.date("drafted_on", "Date it was drafted", Some("The date on the draft, for example 20 11 2020")))
            h2 { "Its version" }
            (shown.text("label", "Version (optional)", Some("As the document names it, for example 2020 or 2021/22")))
            (shown.text("document", "Document", Some("The document's title or address")))
            (shown.text("content_hash", "SHA-256 of the document", Some("64 letters and digits, as sha256sum prints them; needed with a version")))
            (shown.date("published_on", "Date the version was published", Some("For example, 1 12 2020; needed with a version")))
            (shown.text("source", "Source", Some("The paper or minute it comes from")))
            button type="submit" { "Record the instrument" }
        }
    };
    Ok(form::page(service, viewer, &point, "Record an instrument", content, typed.problems).await)
}

/// An instrument's version, as the form gives it: (label, document, hash, published on).
type VersionTyped = (String, Option<String>, domain::ContentHash, domain::Date);

/// The version typed in the form, when one is: the label, the hash and the date it was
/// published are then needed.
fn version(check: &mut Check<'_>, required: bool) -> Option<VersionTyped> {
    let given = required
        || ["label", "content_hash", "published_on-day", "published_on-month", "published_on-year"]
            .iter()
            .any(|f| check.optional(f).is_some());
    if !given {
        return None;
    }
    let label = check.text("label", "Enter the version, as the document names it");
    let document = check.optional("document");
    let hash = check.content_hash("content_hash");
    if check.optional("content_hash").is_none() {
        check.add("content_hash", "Enter the SHA-256 of the document, as sha256sum prints it");
    }
    let published_on = check.date("published_on", "Date the version was published");
    Some((label?, document, hash?, published_on?))
}

/// `POST /dashboard/instruments`.
pub(crate) async fn record(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let fields = form::posted(&viewer, posted, Aggregate::Instrument)?;
    let again = async |problems: &[FieldError]| new_page(&service, &viewer, Typed { fields: &fields, problems }).await;
    let mut check = Check::new(&fields);
    let kind = check.choice("kind", &KINDS.map(|(v, _, k)| (v, k)), "Select the kind of instrument");
    let title = check.text("title", "Enter the title of the instrument");
    let id = check.reference("id", title.as_deref());
    let owner_body = check.chosen_key("owner_body", "Choose the body that owns the instrument");
    let parties = check.organisations("parties");
    let any = |check: &Check<'_>, name: &str| {
        ["day", "month", "year"].iter().any(|p| check.optional(&format!("{name}-{p}")).is_some())
    };
    let (from_given, to_given) = (any(&check, "from"), any(&check, "to"));
    let from = from_given.then(|| check.date("from", "Start of the period")).flatten();
    let to = to_given.then(|| check.date("to", "End of the period")).flatten();
    if from_given != to_given {
        let missing = if from_given { "to-day" } else { "from-day" };
        check.add(missing, "Enter both the start and the end of the period, or neither");
    }
    let builds_on = check.key("builds_on");
    let objectives = objectives(&mut check, fields.get("objectives"));
    let drafted_on = check.date("drafted_on", "Date it was drafted");
    let version = version(&mut check, false);
    let source = check.optional("source");
    let (Some(id), Some(kind), Some(title), Some(owner_body), Some(drafted_on), true) =
        (id, kind, title, owner_body, drafted_on, check.problems.is_empty())
    else {
        return again(&check.problems).await;
    };
    let period = from.zip(to).map(|(from, to)| Period { from, to });
    let mut commands = vec![instrument::Command::Draft {
        id: id.clone(),
        kind,
        title,
        owner_body,
        period,
        parties,
        builds_on,
        drafted_on,
    }];
    if let Some((label, document, content_hash, published_on)) = version {
        commands.push(instrument::Command::PublishVersion {
            id: id.clone(),
            label,
            content_hash,
            document,
            published_on,
        });
    }
    for (objective, title) in objectives {
        commands.push(instrument::Command::AddObjective { id: id.clone(), objective, title, themes: Vec::new() });
    }
    // Objectives carry no date of their own: they were set out in the draft, on its date.
    let on = domain::when::start_of_day(drafted_on);
    let submissions = commands
        .into_iter()
        .map(|c| {
            let occurred_at = c.happened_on().is_none().then_some(on);
            let provenance = Provenance { source: source.clone(), occurred_at, ..Provenance::new(viewer.0.actor()) };
            Submission { command: Command::Instrument(c), provenance }
        })
        .collect();
    let done = format!("/dashboard/instruments/{id}");
    form::send(&service, &viewer, PATH, &fields, submissions, &done, again).await
}

/// The objectives typed one a line, each with a reference made from its first six words.
fn objectives(check: &mut Check<'_>, text: &str) -> Vec<(Key, String)> {
    let mut found: Vec<(Key, String)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let words: Vec<&str> = line.split_whitespace().take(6).collect();
        match Key::from_words(&words.join(" ")) {
            Ok(key) if !found.iter().any(|(k, _)| k == &key) => found.push((key, line.to_owned())),
            Ok(_) => check.add("objectives", format!("Two objectives begin with the same words ('{line}'): word them so that their first six words differ")),
            Err(_) => check.add("objectives", format!("The objective '{line}' has no letters or digits to make its reference from: write it out in words")),
        }
    }
    found
}

/// `GET /dashboard/instruments/{instrument}/versions/new`.
pub(crate) async fn new_version(About { service, viewer, key }: About) -> Result<Response, Failure> {
    viewer.0.require(Action::Record(Aggregate::Instrument))?;
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, "instrument"))?;
    version_page(&service, &viewer, &key, Typed::BLANK).await
}

async fn version_page(service: &Service, viewer: &Viewer, key: &Key, typed: Typed<'_>) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let status = {
        let models = service.reports.models(point.as_of).await?;
        models.status().instrument(key, service.reports.rules(), point.today)
    };
    let status =
        status.ok_or_else(|| ApiError::NotFound(format!("no instrument {key} is on record: record it at {NEW}")))?;
    let read = form::read_at(service, typed.fields, &instrument_stream(key)).await?;
    let shown = typed.shown(Some(read));
    let content = html! {
        (shown.summary())
        dl.facts #facts {
            dt { "Instrument" } dd { a href=(format!("/dashboard/instruments/{key}")) { (status.title) } }
            dt { "Current version" } dd data-field="version" { @match &status.version { Some(v) => (v.label), None => "none published" } }
        }
        form.record method="post" action=(format!("{PATH}/{key}/versions")) novalidate {
            (shown.hidden(viewer))
            (shown.text("label", "Version", Some("As the document names it, for example 2022/23")))
            (shown.text("document", "Document", Some("The document's title or address")))
            (shown.text("content_hash", "SHA-256 of the document", Some("64 letters and digits, as sha256sum prints them")))
            (shown.date("published_on", "Date the version was published", Some("For example, 1 4 2022")))
            (shown.text("source", "Source", Some("The paper or minute it comes from")))
            button type="submit" { "Publish the version" }
        }
    };
    let title = format!("New version of {}", status.title);
    Ok(form::page(service, viewer, &point, &title, content, typed.problems).await)
}

/// `POST /dashboard/instruments/{instrument}/versions`.
pub(crate) async fn publish_version(
    About { service, viewer, key }: About,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let (fields, key) = form::posted_about(&viewer, posted, Aggregate::Instrument, key, "instrument")?;
    let again = async |problems: &[FieldError]| {
        version_page(&service, &viewer, &key, Typed { fields: &fields, problems }).await
    };
    let path = format!("{PATH}/{key}/versions");
    let done = format!("/dashboard/instruments/{key}");
    form::record(&service, &viewer, &path, &fields, &done, again, |check| {
        let (label, document, content_hash, published_on) = version(check, true)?;
        let command =
            instrument::Command::PublishVersion { id: key.clone(), label, content_hash, document, published_on };
        Some((Command::Instrument(command), None))
    })
    .await
}
