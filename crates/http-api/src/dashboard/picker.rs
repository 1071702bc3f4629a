//! The "as of" picker's answer: the picker on every page with a point in time is a GET form of
//! day, month and year fields (`as_of-day`, `as_of-month`, `as_of-year`), as the GOV.UK Design
//! System asks for dates, whatever the browser's locale. The pages themselves take one parameter,
//! `as_of=YYYY-MM-DD`, as the API does, so links keep working: this layer, in front of the
//! dashboard's and the public record's pages, sends a request carrying the three fields on to the
//! same page with `as_of` (303), and answers an impossible date with the picker again, in its
//! error state, with the GOV.UK messages that the forms' own date check gives ([`Check::date`]).

use axum::extract::{Query, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::form::{DateWrong, FieldError, Fields, Shown, typed_date};
use super::{layout, render};
use crate::Lang;
use crate::public::Asked;

/// The name of the picker's fields, as `as_of-day`, `as_of-month` and `as_of-year`.
pub(crate) const NAME: &str = "as_of";
/// What the picker asks, and how its messages name it.
pub(crate) const LEGEND: &str = "Date to show the record as of";

/// Whether the query parameter `name` is one of the picker's fields, or `as_of` itself.
fn picker_field(name: &str) -> bool {
    name == NAME || name.strip_prefix(NAME).is_some_and(|rest| rest.starts_with('-'))
}

/// Sends a GET carrying the picker's fields on to its page with `as_of`, or answers an impossible
/// date; passes every other request through.
pub(crate) async fn picked(request: Request, next: Next) -> Response {
    let typed: Vec<(String, String)> = match Query::<Vec<(String, String)>>::try_from_uri(request.uri()) {
        Ok(Query(pairs)) if request.method() == Method::GET => pairs,
        _ => return next.run(request).await,
    };
    if !typed.iter().any(|(name, _)| name.starts_with(&format!("{NAME}-"))) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    // The page's other parameters, as sent.
    let kept: Vec<&str> = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && !picker_field(pair.split('=').next().unwrap_or_default()))
        .collect();
    let fields = Fields::posted(typed.into_iter().filter(|(name, _)| picker_field(name)).collect());
    let parts = ["day", "month", "year"].map(|part| fields.get(&format!("{NAME}-{part}")).trim().to_owned());
    // The public record says what is wrong in the language asked for; the dashboard in English.
    let public = path.starts_with("/public").then(|| Asked::of(request.uri(), request.headers()));
    let mut problems = Vec::new();
    let day = if parts.iter().all(String::is_empty) {
        None
    } else {
        typed_date(&parts)
            .map_err(|(part, wrong)| {
                let message = match &public {
                    Some(asked) => said(asked.lang, &wrong),
                    None => wrong.english(LEGEND),
                };
                problems.push(FieldError { field: Some(format!("{NAME}-{part}")), message });
            })
            .ok()
    };
    if problems.is_empty() {
        let asked = day.map(|day| format!("{NAME}={day}"));
        let query: Vec<&str> = kept.iter().copied().chain(asked.as_deref()).collect();
        let to = if query.is_empty() { path } else { format!("{path}?{}", query.join("&")) };
        return Redirect::to(&to).into_response();
    }
    let keep: Vec<(String, String)> =
        Query::<Vec<(String, String)>>::try_from_uri(&format!("{path}?{}", kept.join("&")).parse().unwrap_or_default())
            .map(|Query(pairs)| pairs)
            .unwrap_or_default();
    let shown = Shown { fields: &fields, problems: &problems, read: None };
    let Some(asked) = public else {
        let content = html! {
            (shown.summary())
            form method="get" action=(path) novalidate {
                @for (name, value) in &keep { input type="hidden" name=(name) value=(value); }
                (shown.date(NAME, LEGEND, Some("For example, 9 3 2021")))
                button type="submit" { "Show" }
            }
            p { a href=(path) { "Show the record as it stands today" } }
        };
        let mut response = render(layout::bare_error("Choose the date to show", content, true));
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    };
    let say = |id: &str| asked.say(id);
    let labels = [say("date-day"), say("date-month"), say("date-year")];
    let content = html! {
        (shown.summary_in(&say("problem-summary")))
        form method="get" action=(path) novalidate {
            @for (name, value) in &keep { input type="hidden" name=(name) value=(value); }
            (shown.date_in(NAME, &say("as-of-legend"), Some(&say("as-of-hint")), labels.each_ref().map(String::as_str), &format!("{}: ", say("error-prefix"))))
            button type="submit" { (say("as-of-show")) }
        }
        p { a href=(asked.keep(&path)) { (say("as-of-show-now")) } }
    };
    asked.error_page(StatusCode::BAD_REQUEST, &say("as-of-error-title"), true, content)
}

/// What is wrong with the picker's date, in `lang`, from the public record's catalogue.
fn said(lang: Lang, wrong: &DateWrong) -> String {
    match wrong {
        DateWrong::Missing => lang.text("date-missing"),
        DateWrong::MissingParts(parts) => lang.with("date-missing-part", &[("part", parts.join("-").into())]),
        DateWrong::Year => lang.text("date-year-digits"),
        DateWrong::NotReal => lang.text("date-not-real"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pickers_fields_are_its_own() {
        assert!(picker_field("as_of") && picker_field("as_of-day") && picker_field("as_of-year"));
        assert!(!picker_field("as_often") && !picker_field("body") && !picker_field("as_ofday"));
    }
}
