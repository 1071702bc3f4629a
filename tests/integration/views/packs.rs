//! Board packs (`Reports::pack`) over the demo's seed stories: for every body at two dates, the
//! pack's figures are the reports' answers for the same point of the record (the head it names,
//! as decided by its day), each is written as a tagged PDF, and the stories' meetings are the
//! packs' previous meetings.

use app::{Asked, Pack, ReportError, ReportRequest, ReportView, Reports, Stores};
use domain::Key;
use domain::testing::{date, default_now, key};
use kernel::Timestamp;
use projections::{Filters, ReportKind, Rules, Unverified};
use tests::{TestStore, on_both_backends};

on_both_backends!(
    every_body_of_the_demo_has_a_pack_with_the_reports_figures,
    the_previous_meeting_is_the_last_held_before_the_day,
    a_body_not_on_record_has_no_pack,
);

/// After the West Lindsey committee adopted the blueprint, and the day the demo's stories end.
const DATES: [&str; 2] = ["2021-03-10", "2024-06-01"];

async fn demo(db: &TestStore) -> Stores {
    let stores = db.stores().await;
    let recorder = app::Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the seed story is recorded");
    }
    stores
}

/// The report `kind` for `body`, as the API gives it, at the point `pack` names.
async fn answer(reports: &Reports, kind: ReportKind, body: Option<&Key>, pack: &Pack) -> ReportView {
    let asked = Asked {
        position: Some(pack.cover.position),
        decided_by: Some(Timestamp::parse_end_of(&pack.cover.as_of.to_string()).expect("a day")),
        filters: Filters { body: body.cloned(), ..Filters::default() },
        ..Asked::default()
    };
    let request = ReportRequest::new(kind, asked).expect("a request");
    assert_eq!(request.today, pack.cover.as_of, "a report of a day counts overdue items on that day");
    reports.answer(&request).await.expect("the report is answered").view
}

async fn every_body_of_the_demo_has_a_pack_with_the_reports_figures(db: &TestStore) {
    let stores = demo(db).await;
    let head = stores.events.head().await.expect("the head");
    let reports = Reports::once(stores, Rules::default(), Unverified::Refuse);
    let bodies: Vec<(Key, domain::Date)> = {
        let models = reports.now().await.expect("the read models");
        models.bodies().filter_map(|b| Some((b.id.clone()?, b.established_on?))).collect()
    };
    assert!(bodies.len() >= 10, "the demo establishes its bodies: {bodies:?}");
    let mut instruments_seen = 0;
    let mut resolutions_seen = 0;
    for (body, established_on) in &bodies {
        for day in DATES {
            if *established_on > date(day) {
                let refused = reports.pack(body, date(day)).await.expect_err("not yet established");
                assert!(matches!(refused, ReportError::NoSuchBody(_)), "{body} {day}: {refused}");
                continue;
            }
            let pack = reports.pack(body, date(day)).await.expect("the pack is made");
            assert_eq!(pack.cover.position, head.position, "{body} {day}: the pack names the head");
            assert_eq!(pack.cover.head_hash, head.hash.to_hex(), "{body} {day}: and its hash");
            // Every pack can be written as PDF/UA-1, which krilla checks as it writes the file.
            let pdf = app::packs::render(&pack, app::packs::PackFormat::Pdf);
            let pdf = pdf.unwrap_or_else(|e| panic!("{body} {day}: {e}"));
            let pdf = lopdf::Document::load_mem(&pdf).expect("the PDF parses");
            let text = pdf.extract_text(&pdf.get_pages().keys().copied().collect::<Vec<_>>()).expect("its text");
            assert!(text.contains(&pack.cover.body_name), "{body} {day}: the PDF names the body: {text}");

            let ReportView::Status(status) = answer(&reports, ReportKind::Status, Some(body), &pack).await else {
                panic!("a status board");
            };
            assert_eq!(pack.instruments, status.instruments, "{body} {day}: the status board's instruments");
            let mix = status.instruments.iter().map(|i| i.rag_mix.total()).sum::<usize>();
            assert_eq!(pack.rag_mix.total(), mix, "{body} {day}: the RAG mix adds up the instruments'");
            instruments_seen += pack.instruments.len();

            let ReportView::Indicators(indicators) = answer(&reports, ReportKind::Indicators, Some(body), &pack).await
            else {
                panic!("the indicators");
            };
            assert_eq!(pack.indicators, indicators.indicators, "{body} {day}: the indicators");

            let ReportView::Resolutions(register) = answer(&reports, ReportKind::Resolutions, Some(body), &pack).await
            else {
                panic!("the register");
            };
            match (&pack.cover.previous_meeting, &pack.last_meeting) {
                (Some(meeting), Some(last)) => {
                    let at_meeting: Vec<_> = register
                        .resolutions
                        .iter()
                        .filter(|r| r.meeting.as_ref() == Some(&meeting.meeting))
                        .cloned()
                        .collect();
                    assert_eq!(last.resolutions, at_meeting, "{body} {day}: the last meeting's resolutions");
                    resolutions_seen += last.resolutions.len();
                    let changes = pack.changes.as_ref().expect("changes since a meeting on record");
                    assert_eq!(changes.since, meeting.held_on);
                    for decision in &changes.decisions {
                        let on = decision.decided_on.expect("a decision has its day");
                        assert!(meeting.held_on < on && on <= pack.cover.as_of, "{body} {day}: decided since");
                    }
                }
                (None, None) => assert!(pack.changes.is_none(), "{body} {day}: nothing to compare with"),
                other => panic!("{body} {day}: the cover and the last meeting disagree: {other:?}"),
            }

            // Every exception is an open action of the action log as the API gives it, red,
            // overdue or stale there; and every such action in the body's own log is one.
            let ReportView::Actions(actions) = answer(&reports, ReportKind::Actions, None, &pack).await else {
                panic!("the action log");
            };
            for exception in &pack.exceptions {
                let row = actions.rows.iter().find(|r| r.commitment == exception.action.commitment);
                let row = row.expect("an exception is in the action log");
                assert_eq!(
                    (row.state, row.rag, row.stale),
                    (exception.action.state, exception.action.rag, exception.action.stale)
                );
                assert!(!exception.reasons.is_empty());
            }
            for row in actions.rows.iter().filter(|r| r.body.as_ref() == Some(body) && r.state.is_open()) {
                let pressing = row.rag == Some(domain::rag::Rag::Red)
                    || row.state == projections::ActionState::Overdue
                    || row.stale;
                let listed = pack.exceptions.iter().any(|e| e.action.commitment == row.commitment);
                assert_eq!(pressing, listed, "{body} {day}: {} is an exception when pressing", row.commitment);
            }
        }
    }
    assert!(instruments_seen >= 10, "the packs hold the stories' instruments: {instruments_seen}");
    assert!(resolutions_seen >= 6, "the packs hold the stories' resolutions: {resolutions_seen}");
}

async fn the_previous_meeting_is_the_last_held_before_the_day(db: &TestStore) {
    let stores = demo(db).await;
    let reports = Reports::once(stores, Rules::default(), Unverified::Refuse);
    let committee = key("west-lindsey-prosperous-communities-committee");

    // On the day of minute 45, the committee's previous meeting is the one that endorsed the MOU.
    let pack = reports.pack(&committee, date("2021-03-09")).await.expect("the pack");
    assert_eq!(pack.cover.body_name, "Prosperous Communities Committee");
    let previous = pack.cover.previous_meeting.as_ref().expect("a previous meeting");
    assert_eq!(previous.meeting, key("west-lindsey-pcc-2018-01-29"));
    let last = pack.last_meeting.as_ref().expect("its resolutions");
    let resolved: Vec<&Key> = last.resolutions.iter().map(|r| &r.resolution).collect();
    assert_eq!(resolved, [&key("west-lindsey-pcc-2018-01-29-mou")]);
    let changes = pack.changes.as_ref().expect("changes");
    let decided: Vec<&Key> = changes.decisions.iter().map(|r| &r.resolution).collect();
    assert_eq!(decided, [&key("west-lindsey-pcc-2021-03-09-45")], "minute 45 is decided on the day of the pack");

    // The day after, minute 45's meeting is the previous one, and nothing was decided since.
    let pack = reports.pack(&committee, date("2021-03-10")).await.expect("the pack");
    let last = pack.last_meeting.as_ref().expect("the last meeting");
    assert_eq!(last.meeting.meeting, key("west-lindsey-pcc-2021-03-09"));
    assert_eq!(last.resolutions.len(), 1);
    assert_eq!(last.resolutions[0].minute_number.as_deref(), Some("45"));
    assert!(pack.changes.as_ref().expect("changes").decisions.is_empty());

    // Before the committee's first meeting there is nothing to compare with.
    let pack = reports.pack(&committee, date("2018-01-29")).await.expect("the pack");
    assert!(pack.cover.previous_meeting.is_none() && pack.changes.is_none() && pack.last_meeting.is_none());

    // The Board's pack after it endorsed the blueprint shows the blueprint, endorsed.
    let board = key("lincolnshire-health-and-wellbeing-board");
    let pack = reports.pack(&board, date("2020-12-02")).await.expect("the pack");
    let blueprint = pack
        .instruments
        .iter()
        .find(|i| i.instrument == key("lincolnshire-homes-for-independence-blueprint"))
        .expect("the Board oversees the blueprint it endorsed");
    assert_eq!(blueprint.endorsements.len(), 1);
}

async fn a_body_not_on_record_has_no_pack(db: &TestStore) {
    let stores = demo(db).await;
    let reports = Reports::once(stores, Rules::default(), Unverified::Refuse);
    let error = reports.pack(&key("no-such-board"), date("2024-06-01")).await.expect_err("no such body");
    assert!(matches!(error, ReportError::NoSuchBody(ref b) if *b == key("no-such-board")), "{error}");
    assert_eq!(error.to_string(), "no body no-such-board is on record");
}
