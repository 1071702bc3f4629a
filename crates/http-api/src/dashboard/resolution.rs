//! One resolution: who decided it, where and when, its text as it stands (with any corrections),
//! and its delivery trail: what it authorised, and the commitments that deliver it.

use std::collections::BTreeMap;

use app::Action;
use axum::response::Response;
use domain::values::in_words;
use domain::{Aggregate, Key};
use maud::html;
use projections::Filters;

use super::form;
use super::instrument::Shown;
use super::session::About;
use super::{Failure, layout, render};
use crate::ApiError;

/// `GET /dashboard/resolutions/{resolution}/proof`: the resolution's portable proof, as the API
/// gives it.
pub(crate) async fn proof(About { service, viewer, key }: About) -> Result<Response, Failure> {
    viewer.0.require(Action::ReadProofs).map_err(ApiError::from)?;
    Ok(crate::transparency::proof_file(&service, &key).await?)
}

/// `GET /dashboard/resolutions/{resolution}`.
pub(crate) async fn page(
    About { service, viewer, key }: About,
    Shown { point, recorded }: Shown,
) -> Result<Response, Failure> {
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, "resolution"))?;
    let stream = domain::ids::resolution_stream(&key);
    let confirmation = form::confirmation(&service, recorded.as_deref(), std::slice::from_ref(&stream)).await;
    let may_correct = viewer.0.require(Action::Record(Aggregate::Resolution)).is_ok();
    let models = service.reports.models(point.as_of).await?;
    let r = models.resolutions().resolution(&key, service.reports.rules(), point.today).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no resolution {key} was on record{}: the instrument pages link to the resolutions behind them",
            point.day.map(|d| format!(" on {d}")).unwrap_or_default()
        ))
    })?;
    let titles: BTreeMap<Key, String> = if r.caused.is_empty() {
        BTreeMap::new()
    } else {
        let board = models.status().view(&Filters::default(), service.reports.rules(), point.today);
        board.instruments.into_iter().map(|i| (i.instrument, i.title)).collect()
    };
    let caused: Vec<(String, Option<(Key, String)>)> = r
        .caused
        .iter()
        .map(|c| {
            let instrument =
                c.act.instrument().map(|k| (k.clone(), titles.get(k).cloned().unwrap_or_else(|| k.to_string())));
            (c.description.clone(), instrument)
        })
        .collect();
    drop(models);
    let proofs = viewer.0.require(Action::ReadProofs).is_ok();
    let title = r.heading();
    let content = html! {
        (confirmation)
        dl.facts #facts {
            dt { "Resolution" } dd { (r.resolution) }
            @if let Some(body) = &r.body_name { dt { "Body" } dd { (body) } }
            @if let Some(meeting) = &r.meeting_title { dt { "Meeting" } dd { (meeting) } }
            dt { "Item" } dd { (r.agenda_item) @if let Some(m) = &r.minute_number { " (minute " (m) ")" } }
            dt { "Outcome" } dd data-field="outcome" { @match &r.outcome { Some(o) => (in_words(o)), None => "–" } }
            dt { "Decided" } dd data-field="decided" { (layout::date(r.decided_on)) }
            dt { "Published" } dd { (layout::date(r.published_on)) }
            dt { "Effective" } dd { (layout::date(r.effective_on)) }
            dt { "Standing" } dd data-field="standing" { (r.standing_words()) }
            dt { "Call-in" } dd { (in_words(&r.call_in)) }
            @if let Some(by) = &r.replaced_by {
                dt { "Replaced by" } dd { (super::instrument::resolution_link(&point, by, r.replaced_by_name.as_ref())) }
            }
        }
        @if proofs {
            p { a href={ "/dashboard/resolutions/" (r.resolution) "/proof" } download {
                "Download the proof that this resolution is in the log"
            } " (a file to attach to a board paper; anyone holding the log's verifier key checks it with "
            code { "covenant proof verify" } ", docs/audit.md)" }
        }
        h2 { "Text" }
        blockquote.text #text { (r.text) }
        @if may_correct {
            p { a href=(format!("/dashboard/resolutions/{key}/correction")) { "Correct the wording of this resolution" } }
        }
        @if !r.corrections.is_empty() {
            h3 { "Corrections" }
            ul {
                @for c in &r.corrections {
                    li {
                        "Corrected on " (layout::date(c.corrected_on))
                        @if let Some(actor) = &c.actor { " by " (actor) }
                        ". Reason: " (c.reason) ". Earlier wording: “" (c.previous_text) "”."
                    }
                }
            }
        }
        h2 #trail { "Delivery trail" }
        (layout::scrolling("Delivery trail", html! {
            table {
                caption { "What the resolution authorised" }
                thead { tr { th scope="col" { "Act" } th scope="col" { "Instrument" } } }
                tbody {
                    @for (description, instrument) in &caused {
                        tr {
                            th scope="row" { (description) }
                            td { @match instrument {
                                Some((k, title)) => a href=(point.link(&format!("/dashboard/instruments/{k}"))) { (title) },
                                None => "–",
                            } }
                        }
                    }
                }
            }
        }))
        @if caused.is_empty() { p.note { "It authorised no endorsement, adoption, signature or other act on record." } }
        (layout::scrolling("Commitments", layout::commitment_trail(layout::Voice::DASHBOARD, &|path| point.link(path), &r.commitments, "/dashboard/instruments", Some("commitments"))))
        @if r.commitments.is_empty() { p.note { "No commitment on record delivers it." } }
    };
    let broken = service.reports.broken().await;
    Ok(render(layout::page(
        &title,
        broken.as_ref(),
        &viewer,
        &point,
        &format!("/dashboard/resolutions/{key}"),
        &[],
        content,
    )))
}
