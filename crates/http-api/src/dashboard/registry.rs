//! Organisations and bodies, for the secretariat: the page of organisations on record with the
//! forms that register one and record a succession (one organisation replaced by another on a
//! date, as in local government reorganisation), and the page of bodies with the forms that
//! establish one and add or remove a member. Every command goes down the API's recording path
//! through [`super::form`].
//!
//! A registration and an establishment carry the version 0 of the new stream, so that one
//! already on record is refused with the conflict page. A succession and a membership change
//! name their stream in the form (the organisation or body chosen), so carry the log's head they
//! were read at ([`Read::Head`]): a form read before someone else recorded on the organisation or
//! body chosen is refused with the conflict page too. Joining and leaving a body are one form
//! shape ([`Membership`]).

use std::sync::Arc;

use app::Action;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::ids::{body_stream, organisation_stream};
use domain::{Aggregate, Command, OrgId, body, organisation};
use kernel::StreamId;
use maud::{Markup, html};

use super::form::{self, Again, Check, FieldError, Read, RecordedQuery, Shown};
use super::session::Viewer;
use super::{Failure, Point, distinct, layout, read};
use crate::Service;

pub(crate) const ORGANISATIONS: &str = "/dashboard/organisations";
pub(crate) const BODIES: &str = "/dashboard/bodies";

const REGISTER: &str = "register";
const SUCCEED: &str = "succeed";
const ESTABLISH: &str = "establish";

/// One of the two forms that change a body's members, which share one shape.
struct Membership {
    /// The form's name, and the id of its heading.
    which: &'static str,
    heading: &'static str,
    path: &'static str,
    organisation: &'static str,
    /// The date field's name, its legend and an example.
    date: &'static str,
    legend: &'static str,
    example: &'static str,
    button: &'static str,
    joining: bool,
}

const JOINING: Membership = Membership {
    which: "add-member",
    heading: "Add a member",
    path: "/dashboard/bodies/members",
    organisation: "Organisation that joined",
    date: "joined_on",
    legend: "Date it joined",
    example: "For example, 1 7 2022",
    button: "Add the member",
    joining: true,
};

const LEAVING: Membership = Membership {
    which: "remove-member",
    heading: "Remove a member",
    path: "/dashboard/bodies/members/removals",
    organisation: "Organisation that left",
    date: "left_on",
    legend: "Date it left",
    example: "For example, 30 6 2022",
    button: "Remove the member",
    joining: false,
};

impl Membership {
    /// The form, with the bodies and organisations to choose from.
    fn form(
        &self,
        shown: &Shown<'_>,
        viewer: &Viewer,
        bodies: &[(String, String)],
        active: &[(String, String)],
    ) -> Markup {
        html! {
            h2 #(self.which) { (self.heading) }
            form.record method="post" action=(self.path) novalidate {
                (shown.hidden(viewer))
                (shown.select("body", "Body", bodies, Some("Choose the body")))
                (shown.select("organisation", self.organisation, active, Some("Choose the organisation")))
                (shown.date(self.date, self.legend, Some(self.example)))
                (shown.text("source", "Source", Some("The paper or minute that says so")))
                button type="submit" { (self.button) }
            }
        }
    }
}

/// The kinds of organisation, as the form offers them.
const ORGANISATION_KINDS: [(&str, &str, organisation::Kind); 10] = [
    ("local_authority", "Local authority", organisation::Kind::LocalAuthority),
    ("combined_authority", "Combined authority", organisation::Kind::CombinedAuthority),
    ("nhs_body", "NHS body", organisation::Kind::NhsBody),
    ("integrated_care_board", "Integrated care board", organisation::Kind::IntegratedCareBoard),
    ("police", "Police", organisation::Kind::Police),
    ("fire", "Fire and rescue", organisation::Kind::Fire),
    ("housing_association", "Housing association", organisation::Kind::HousingAssociation),
    ("voluntary_community", "Voluntary or community organisation", organisation::Kind::VoluntaryCommunity),
    ("parish_town_council", "Parish or town council", organisation::Kind::ParishTownCouncil),
    ("partnership", "Partnership", organisation::Kind::Partnership),
];

/// The kinds of body, as the form offers them.
const BODY_KINDS: [(&str, &str, body::Kind); 6] = [
    ("board", "Board", body::Kind::Board),
    ("committee", "Committee", body::Kind::Committee),
    ("cabinet", "Cabinet", body::Kind::Cabinet),
    ("partnership_group", "Partnership group", body::Kind::PartnershipGroup),
    ("local_area_partnership", "Local area partnership", body::Kind::LocalAreaPartnership),
    ("forum", "Forum", body::Kind::Forum),
];

/// The organisations on record that can take on obligations, as (identifier, name).
async fn organisations(service: &Service, point: &Point) -> Result<Vec<(String, String)>, Failure> {
    let models = service.reports.models(point.as_of).await?;
    Ok(distinct(
        models
            .organisations()
            .filter(|o| o.is_active())
            .filter_map(|o| Some((o.id.as_ref()?.to_string(), o.name.clone())))
            .collect(),
    ))
}

/// The two pages of the registry, each listing what is on record above its forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    Organisations,
    Bodies,
}

impl Page {
    /// The page the form `which` is on.
    fn of(which: &str) -> Page {
        if matches!(which, REGISTER | SUCCEED) { Page::Organisations } else { Page::Bodies }
    }

    fn path(self) -> &'static str {
        match self {
            Page::Organisations => ORGANISATIONS,
            Page::Bodies => BODIES,
        }
    }

    /// What its forms record.
    fn aggregate(self) -> Aggregate {
        match self {
            Page::Organisations => Aggregate::Organisation,
            Page::Bodies => Aggregate::Body,
        }
    }
}

/// `GET /dashboard/organisations`.
pub(crate) async fn organisations_page(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    query: Result<Query<RecordedQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    opened(&service, &viewer, query, Page::Organisations).await
}

/// The page `page`, for a role that may record what it lists, with the panel confirming what was
/// recorded when it is sent to after a success.
async fn opened(
    service: &Service,
    viewer: &Viewer,
    query: Result<Query<RecordedQuery>, QueryRejection>,
    page: Page,
) -> Result<Response, Failure> {
    viewer.0.require(Action::Record(page.aggregate()))?;
    let recorded = read(query)?.recorded;
    let confirmation = confirmation(service, recorded.as_deref(), page).await?;
    shown(service, viewer, page, confirmation, None).await
}

/// The confirmation panel for `recorded`, an event on the stream of one of the organisations or
/// bodies `page` lists.
async fn confirmation(service: &Service, recorded: Option<&str>, page: Page) -> Result<Markup, Failure> {
    if recorded.is_none() {
        return Ok(html! {});
    }
    let models = service.reports.models(Point::read(None)?.as_of).await?;
    let streams: Vec<StreamId> = match page {
        Page::Organisations => models.organisations().filter_map(|o| o.id.as_ref()).map(organisation_stream).collect(),
        Page::Bodies => models.bodies().filter_map(|b| b.id.as_ref()).map(body_stream).collect(),
    };
    drop(models);
    Ok(form::confirmation(service, recorded, &streams).await)
}

/// The page `page`: what it lists and its forms, blank, or one of them shown `again` as posted
/// with what is wrong with it.
async fn shown(
    service: &Service,
    viewer: &Viewer,
    page: Page,
    confirmation: Markup,
    again: Option<Again<'_>>,
) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let active = organisations(service, &point).await?;
    let head = form::head(service).await?;
    let forms = Forms { viewer, active: &active, head, again: again.as_ref() };
    let (title, listed) = {
        let models = service.reports.models(point.as_of).await?;
        match page {
            Page::Organisations => {
                ("Organisations", organisations_listed(&forms, &models.organisations().cloned().collect::<Vec<_>>()))
            }
            Page::Bodies => (
                "Bodies",
                bodies_listed(&forms, &models.bodies().filter(|b| b.is_active()).cloned().collect::<Vec<_>>()),
            ),
        }
    };
    let content = html! { (confirmation) (listed) };
    let problems = Again::problems(again.as_ref());
    Ok(form::page(service, viewer, &point, title, content, problems).await)
}

/// What the forms of the registry's pages are laid out with: who they are for, the organisations
/// to choose from, the log's head the forms whose stream is chosen in them are read at, and the
/// form shown again, if one is.
struct Forms<'a> {
    viewer: &'a Viewer,
    active: &'a [(String, String)],
    head: Read,
    again: Option<&'a Again<'a>>,
}

/// Records what the form `which` posted to `path`, once it is known to come from the session's
/// own page and the role may record on its page's organisations or bodies (else 403), as
/// [`form::record`] does: its page shows what was recorded, or the form again.
async fn record(
    service: &Service,
    viewer: &Viewer,
    posted: Vec<(String, String)>,
    which: &'static str,
    path: &str,
    read: impl FnOnce(&mut Check<'_>) -> form::Reading,
) -> Result<Response, Failure> {
    let page = Page::of(which);
    let fields = form::posted(viewer, posted, page.aggregate())?;
    let again = async |problems: &[FieldError]| {
        shown(service, viewer, page, html! {}, Some(Again { which, fields: &fields, problems })).await
    };
    form::record(service, viewer, path, &fields, page.path(), again, read).await
}

/// The organisations on record, with the forms that register one and record a succession.
fn organisations_listed(forms: &Forms<'_>, listed: &[organisation::State]) -> Markup {
    let (viewer, active) = (forms.viewer, forms.active);
    let register = Again::form(forms.again, REGISTER, Some(Read::Version(0)));
    let succeed = Again::form(forms.again, SUCCEED, Some(forms.head));
    html! {
        (register.summary())
        (succeed.summary())
        p { "Boards, committees and partnership groups, and their members, are on the " a href=(BODIES) { "page of bodies" } "." }
        table #organisations {
            caption { "Organisations on record" }
            thead { tr { th scope="col" { "Name" } th scope="col" { "Identifier" } th scope="col" { "Kind" } th scope="col" { "Succeeded by" } } }
            tbody {
                @for o in listed {
                    tr data-organisation=[o.id.as_ref()] {
                        th scope="row" { (o.name) }
                        td { @if let Some(id) = &o.id { (id) } }
                        td { @if let Some(kind) = &o.kind { (domain::values::in_words(kind)) } }
                        td { @match (&o.successor, o.succeeded_on) {
                            (Some(successor), on) => { (successor) ", " (layout::date(on)) },
                            (None, _) => "–",
                        } }
                    }
                }
            }
        }
        h2 #register { "Register an organisation" }
        form.record method="post" action=(ORGANISATIONS) novalidate {
            (register.hidden(viewer))
            (register.text("name", "Name", Some("For example, West Lindsey District Council")))
            (register.text("id", "Identifier", Some("In the org-id style: GB-LAE- and the council's code, GB-NHS- and the ODS code, GB-CHC- and the charity number, GB-COH- and the company number")))
            (register.select("kind", "Kind of organisation", &ORGANISATION_KINDS.map(|(v, l, _)| (v.to_owned(), l.to_owned())), Some("Choose the kind")))
            (register.text("identifiers", "Other identifiers (optional)", Some("Separated by commas, such as its identifier in another register")))
            (register.date("on_record_from", "Date it is on record from", Some("The date of the first paper that names it, for example 1 1 2018")))
            (register.text("source", "Source", Some("The paper it comes from")))
            button type="submit" { "Register the organisation" }
        }
        h2 #succession { "Record a succession" }
        p { "One organisation replaced by another on a date, as when councils are reorganised or integrated care boards took over from clinical commissioning groups: the open commitments of the one replaced pass to its successor." }
        form.record method="post" action=(format!("{ORGANISATIONS}/successions")) novalidate {
            (succeed.hidden(viewer))
            (succeed.select("predecessor", "Organisation replaced", active, Some("Choose the organisation replaced")))
            (succeed.select("successor", "Replaced by", active, Some("Choose its successor")))
            (succeed.date("effective_on", "Date the successor took over", Some("For example, 1 7 2022")))
            (succeed.text("source", "Source", Some("The order, act or paper that says so")))
            button type="submit" { "Record the succession" }
        }
    }
}

/// `POST /dashboard/organisations`.
pub(crate) async fn register(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    record(&service, &viewer, posted, REGISTER, ORGANISATIONS, |check| {
        let name = check.text("name", "Enter the organisation's name");
        let id = check.chosen_organisation("id", "Enter the organisation's identifier, such as GB-LAE-WLI");
        let kind = check.choice("kind", &ORGANISATION_KINDS.map(|(v, _, k)| (v, k)), "Choose the kind of organisation");
        let mut identifiers = Vec::new();
        for other in check.fields().get("identifiers").split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match OrgId::parse(other) {
                Ok(other) => identifiers.push(other),
                Err(e) => check.add("identifiers", form::sentence(&e)),
            }
        }
        let on = check.date("on_record_from", "Date it is on record from");
        let command = organisation::Command::Register { id: id?, name: name?, kind: kind?, identifiers };
        // A registration carries no date of its own: it happened on the date the form gives.
        Some((Command::Organisation(command), Some(on?)))
    })
    .await
}

/// `POST /dashboard/organisations/successions`.
pub(crate) async fn succeed(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    record(&service, &viewer, posted, SUCCEED, &format!("{ORGANISATIONS}/successions"), |check| {
        let predecessor = check.chosen_organisation("predecessor", "Choose the organisation replaced");
        let successor = check.chosen_organisation("successor", "Choose the organisation that replaced it");
        if predecessor.is_some() && predecessor == successor {
            check.add("successor", "Choose a successor other than the organisation replaced");
        }
        let effective_on = check.date("effective_on", "Date the successor took over");
        let command =
            organisation::Command::Succeed { id: predecessor?, successor: successor?, effective_on: effective_on? };
        Some((Command::Organisation(command), None))
    })
    .await
}

/// `GET /dashboard/bodies`.
pub(crate) async fn bodies_page(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    query: Result<Query<RecordedQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    opened(&service, &viewer, query, Page::Bodies).await
}

/// The bodies still active, with the forms that establish one and add or remove a member.
fn bodies_listed(forms: &Forms<'_>, listed: &[body::State]) -> Markup {
    let (viewer, active) = (forms.viewer, forms.active);
    let choices = distinct(listed.iter().filter_map(|b| Some((b.id.as_ref()?.to_string(), b.name.clone()))).collect());
    let establish = Again::form(forms.again, ESTABLISH, Some(Read::Version(0)));
    let add = Again::form(forms.again, JOINING.which, Some(forms.head));
    let remove = Again::form(forms.again, LEAVING.which, Some(forms.head));
    html! {
        (establish.summary())
        (add.summary())
        (remove.summary())
        p { "The organisations they belong to are on the " a href=(ORGANISATIONS) { "page of organisations" } "." }
        table #bodies {
            caption { "Bodies on record" }
            thead { tr { th scope="col" { "Name" } th scope="col" { "Kind" } th scope="col" { "Belongs to" } th scope="col" { "Members" } } }
            tbody {
                @for b in listed {
                    tr data-body=[b.id.as_ref()] {
                        th scope="row" { (b.name) }
                        td { @if let Some(kind) = &b.kind { (domain::values::in_words(kind)) } }
                        td { (b.parents.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                        td data-field="members" { (b.members.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                    }
                }
            }
        }
        h2 #establish { "Establish a body" }
        form.record method="post" action=(BODIES) novalidate {
            (establish.hidden(viewer))
            (establish.text("name", "Name", Some("For example, Lincolnshire Health and Wellbeing Board")))
            (establish.text("id", "Reference (optional)", Some("A short stable reference, such as lincolnshire-health-and-wellbeing-board; left empty, it is made from the name")))
            (establish.radios("kind", "Kind of body", &BODY_KINDS.map(|(v, l, _)| (v, l))))
            (establish.checkboxes("parents", "Belongs to", Some("The organisations whose board or committee it is"), active))
            (establish.checkboxes("members", "Member organisations (optional)", None, active))
            (establish.date("established_on", "Date it was established", Some("For example, 1 4 2013")))
            (establish.text("source", "Source", Some("The paper or terms of reference it comes from")))
            button type="submit" { "Establish the body" }
        }
        (JOINING.form(&add, viewer, &choices, active))
        (LEAVING.form(&remove, viewer, &choices, active))
    }
}

/// `POST /dashboard/bodies`.
pub(crate) async fn establish(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    record(&service, &viewer, posted, ESTABLISH, BODIES, |check| {
        let name = check.text("name", "Enter the body's name");
        let id = check.reference("id", name.as_deref());
        let kind = check.choice("kind", &BODY_KINDS.map(|(v, _, k)| (v, k)), "Select the kind of body");
        let parents = check.organisations("parents");
        if parents.is_empty() {
            check.add("parents", "Choose at least one organisation the body belongs to");
        }
        let members = check.organisations("members");
        let established_on = check.date("established_on", "Date it was established");
        let (id, name, kind, established_on) = (id?, name?, kind?, established_on?);
        Some((Command::Body(body::Command::Establish { id, name, kind, parents, members, established_on }), None))
    })
    .await
}

/// `POST /dashboard/bodies/members` and `POST /dashboard/bodies/members/removals`: the body,
/// the organisation and the date, for the form `form`.
async fn membership(
    service: &Service,
    viewer: &Viewer,
    posted: Vec<(String, String)>,
    form: &Membership,
) -> Result<Response, Failure> {
    record(service, viewer, posted, form.which, form.path, |check| {
        let id = check.chosen_key("body", "Choose the body");
        let organisation = check.chosen_organisation("organisation", "Choose the organisation");
        let on = check.date(form.date, form.legend);
        let (id, organisation, on) = (id?, organisation?, on?);
        let command = if form.joining {
            body::Command::AddMember { id, organisation, joined_on: on }
        } else {
            body::Command::RemoveMember { id, organisation, left_on: on }
        };
        Some((Command::Body(command), None))
    })
    .await
}

/// `POST /dashboard/bodies/members`.
pub(crate) async fn add_member(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    membership(&service, &viewer, posted, &JOINING).await
}

/// `POST /dashboard/bodies/members/removals`.
pub(crate) async fn remove_member(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    membership(&service, &viewer, posted, &LEAVING).await
}
