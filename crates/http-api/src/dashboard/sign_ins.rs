//! The administrators' sign-ins page: who signed in recently, as what, with what (a token or an
//! OpenID provider) and when, where each session stands, a button to end any active session at
//! once; and the rules by which people signed in with their organisation's account are given
//! roles, with whom a person without one is told to ask. Administrators only.

use std::sync::Arc;

use app::{Action, SessionState, SignIn};
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::session::Viewer;
use super::{Failure, Point, layout, render};
use crate::{ApiError, Service};

const PATH: &str = "/dashboard/sign-ins";
/// The most sessions the page lists: the latest begun.
const SHOWN: u32 = 200;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Shown {
    ended: Option<String>,
}

/// The end-session form.
#[derive(Debug, Deserialize)]
pub(crate) struct End {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    session: String,
}

/// `GET /dashboard/sign-ins`.
pub(crate) async fn page(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Query(shown): Query<Shown>,
) -> Result<Response, Failure> {
    viewer.0.require(Action::ManageSessions)?;
    let now = kernel::Timestamp::now();
    let limits = service.settings.sessions;
    let sessions = app::recent_sign_ins(service.stores.sessions.as_ref(), SHOWN, limits, now).await?;
    let mapping = service.open_id().map(|o| o.mapping().clone()).unwrap_or_default();
    let point = Point::read(None)?;
    let content = html! {
        @if shown.ended.is_some() {
            div.panel role="status" { h2 { "Session ended" } p { "Whoever held it must sign in again." } }
        }
        p {
            "A session lapses after " (limits.idle.as_secs() / 60) " minutes unused and "
            (limits.absolute.as_secs() / 3600) " hours after it began (" code { "[sign_in] idle_minutes" } " and "
            code { "absolute_hours" } " in " code { "covenant.toml" } "). A session begun with a token also ends when the token is revoked."
        }
        h2 { "Recent sign-ins" }
        (table(&sessions, &viewer))
        h2 { "How people are given roles" }
        (rules(&mapping))
    };
    let broken = service.reports.broken().await;
    Ok(render(layout::page("Sign-ins", broken.as_ref(), &viewer, &point, PATH, &[], content)))
}

/// `POST /dashboard/sign-ins/end`: ends the chosen session at once, when the form is this
/// administrator's own.
pub(crate) async fn end(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(form): Form<End>,
) -> Result<Response, Failure> {
    viewer.0.require(Action::ManageSessions)?;
    if !viewer.1.matches(Some(&form.csrf)) {
        return Err(Failure(ApiError::Forbidden(
            "the form was not sent from this service's own page: nothing was ended; end the session with its button on the sign-ins page".to_owned(),
        )));
    }
    let now = kernel::Timestamp::now();
    match app::end_session_by_handle(service.stores.sessions.as_ref(), &form.session, now).await {
        Ok(()) => Ok(Redirect::to(&format!("{PATH}?ended=1")).into_response()),
        Err(app::AccessError::Invalid(why)) => Err(Failure(ApiError::NotFound(why))),
        Err(other) => Err(other.into()),
    }
}

fn table(sessions: &[SignIn], viewer: &Viewer) -> Markup {
    if sessions.is_empty() {
        return html! { p { "No one has signed in yet." } };
    }
    html! {
        table #sign-ins {
            thead {
                tr {
                    th scope="col" { "Who" }
                    th scope="col" { "As" }
                    th scope="col" { "With" }
                    th scope="col" { "Signed in" }
                    th scope="col" { "Last used" }
                    th scope="col" { "Session" }
                }
            }
            tbody {
                @for session in sessions {
                    @let record = &session.record;
                    tr data-session=(session.handle) {
                        td {
                            (record.name)
                            @if let Some(email) = &record.email { br; (email) }
                        }
                        td {
                            (record.role)
                            @if let Some(organisation) = &record.organisation { " for " (organisation) }
                        }
                        td {
                            @match (&record.token_id, &record.provider) {
                                (Some(token), _) => { "token " (token) }
                                (None, Some(provider)) => { (provider) }
                                (None, None) => { "unknown" }
                            }
                        }
                        td { (record.created_at) }
                        td { (record.last_seen_at) }
                        td {
                            (session.state.as_str())
                            @if session.state == SessionState::Active {
                                form method="post" action="/dashboard/sign-ins/end" {
                                    (viewer.1.field())
                                    input type="hidden" name="session" value=(session.handle);
                                    button type="submit" {
                                        "End session" span.visually-hidden { " of " (record.name) " begun " (record.created_at) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn rules(mapping: &app::RoleMapping) -> Markup {
    html! {
        @if mapping.rules.is_empty() {
            p { "No rules are set: no one can sign in with an organisation's account until the " code { "[sign_in]" } " table of " code { "covenant.toml" } " gives roles." }
        } @else {
            p { "The first rule that holds gives the role; the role is given again at each sign-in, so a person removed from a group loses it the next time they sign in." }
            table #role-rules {
                thead {
                    tr {
                        th scope="col" class="num" { "Rule" }
                        th scope="col" { "Gives" }
                        th scope="col" { "To people" }
                    }
                }
                tbody {
                    @for (n, rule) in mapping.rules.iter().enumerate() {
                        tr {
                            td.num { (n + 1) }
                            td {
                                (rule.role)
                                @if let Some(organisation) = &rule.organisation { " for " (organisation) }
                            }
                            td { (rule.conditions()) }
                        }
                    }
                }
            }
        }
        p { "A person no rule gives a role is refused and told to ask " (mapping.contact) "." }
    }
}
