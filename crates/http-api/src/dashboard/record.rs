//! The Record page: every form the viewer's role may use, each a link with what it records, so
//! that the navigation carries one link ("Record") instead of one for each form. What a role is
//! offered is what `app::access` lets it record ([`offered`]); the forms that record on one
//! meeting, resolution or action are on that record's own page, which the list says.

use std::sync::Arc;

use app::{Action, Principal};
use axum::extract::State;
use axum::response::Response;
use domain::Aggregate;
use maud::html;

use super::session::Viewer;
use super::{Failure, Point, actions, commitment, drafting, form, meeting, reading, registry, upload};
use crate::{ApiError, Service};

pub(crate) const PATH: &str = "/dashboard/record";

/// One form on the Record page: where it is, its name, and what it records.
struct Offered {
    path: &'static str,
    title: &'static str,
    records: &'static str,
    may: fn(&Principal) -> bool,
}

fn may(principal: &Principal, aggregate: Aggregate) -> bool {
    principal.require(Action::Record(aggregate)).is_ok()
}

const FORMS: [Offered; 8] = [
    Offered {
        path: meeting::NEW,
        title: "Record a meeting",
        records: "A meeting of a board or committee, its date and agenda; then, on the meeting's page, its resolutions and minutes.",
        may: |p| may(p, Aggregate::Meeting),
    },
    Offered {
        path: drafting::NEW,
        title: "Record an instrument",
        records: "A strategy, blueprint, MOU, action plan or ward plan as drafted, with its parties, period and objectives; a new version from the instrument's page.",
        may: |p| may(p, Aggregate::Instrument),
    },
    Offered {
        path: commitment::NEW,
        title: "Record an action",
        records: "An action or commitment under an instrument or a resolution, with its lead and due date; its milestones from the action's page.",
        may: |p| commitment::may_make(p).is_ok(),
    },
    Offered {
        path: registry::ORGANISATIONS,
        title: "Organisations",
        records: "An organisation registered, or replaced by another on a date (a succession).",
        may: |p| may(p, Aggregate::Organisation),
    },
    Offered {
        path: registry::BODIES,
        title: "Bodies and their members",
        records: "A board, committee or partnership group established, and organisations joining or leaving it.",
        may: |p| may(p, Aggregate::Body),
    },
    Offered {
        path: upload::PATH,
        title: "Upload a file",
        records: "An action plan (CSV), a ModernGov meeting or committee list (XML) or commands (JSON Lines), checked whole before anything is recorded.",
        may: |p| p.require(Action::Import).is_ok(),
    },
    Offered {
        path: "/dashboard/actions",
        title: "Your organisation's actions",
        records: "Progress, milestones reached and completion of the actions your organisation leads.",
        may: actions::leads_actions,
    },
    Offered {
        path: reading::LIST,
        title: "Indicators' readings",
        records: "A new reading of an indicator, with the day it is as of and where it comes from.",
        may: |p| may(p, Aggregate::Indicator),
    },
];

/// The forms `principal` may use, in the page's order.
fn offered(principal: &Principal) -> impl Iterator<Item = &'static Offered> + '_ {
    FORMS.iter().filter(move |f| (f.may)(principal))
}

/// Whether `principal` may use any form: the navigation then links to the Record page.
pub(crate) fn may_record(principal: &Principal) -> bool {
    offered(principal).next().is_some()
}

/// `GET /dashboard/record`.
pub(crate) async fn page(State(service): State<Arc<Service>>, viewer: Viewer) -> Result<Response, Failure> {
    if !may_record(&viewer.0) {
        return Err(Failure(ApiError::Forbidden(format!(
            "the {} role may not record anything: ask an administrator for a role that may",
            viewer.0.role
        ))));
    }
    let point = Point::read(None)?;
    let content = html! {
        p { "Choose what to record. Resolutions and minutes are recorded on the meeting's page, corrections on the resolution's page, and progress and milestones on the action's page." }
        ul.record-forms #forms {
            @for f in offered(&viewer.0) {
                li { h2 { a href=(f.path) { (f.title) } } p { (f.records) } }
            }
        }
    };
    Ok(form::page(&service, &viewer, &point, "Record", content, &[]).await)
}
