//! Action plans as CSV: a good plan shows in the action log, a second import records nothing, and
//! a plan with realistic mistakes reports every one of them and records nothing.

use app::Recorder;
use app::interchange::action_plan::{self, Options};
use app::interchange::{ImportError, Imported, Importer};
use domain::{Date, Key};
use projections::{Filters, GroupBy, Rules};
use tests::{TestStore, on_both_backends};

use super::{fixture, head, listed, quiet, seeded};

on_both_backends!(
    a_good_plan_shows_in_the_action_log_and_imports_once,
    dates_written_the_uk_way_are_each_reported,
    a_missing_lead_organisation_is_reported,
    an_unknown_instrument_and_a_dissolved_organisation_are_reported,
);

/// Imports `text` as the Housing, Health and Care Delivery Group (HHCDG) would.
async fn import_as_hhcdg(recorder: &Recorder, text: &str, options: &Options) -> Result<Imported, ImportError> {
    let importer = Importer { recorder, actor: "hhcdg@lincolnshire.gov.uk", progress: &mut quiet() };
    action_plan::import(importer, text, options).await
}

fn options(file: &str) -> Options {
    Options { instrument: None, on: Date::from_ymd_opt(2023, 7, 20).expect("a date"), file: file.to_owned() }
}

async fn a_good_plan_shows_in_the_action_log_and_imports_once(db: &TestStore) {
    let recorder = seeded(db.shared()).await;
    let text = fixture("hhcdg-delivery-plan-2023.csv");
    let file = options("hhcdg-delivery-plan-2023.csv");

    let imported = import_as_hhcdg(&recorder, &text, &file).await.expect("the plan imports");
    // Six rows: the fast-track action is recorded as the file has it; the evidence base reports
    // progress; the discharge action is rescheduled and reports progress; three actions are new,
    // one of them reporting progress.
    assert_eq!((imported.changed, imported.unchanged, imported.events, imported.appends), (5, 1, 7, 1));

    let stores = db.stores().await;
    let (models, _) = app::views::current(&stores, |_, _| {}).await.expect("the read models are current");
    let today = Date::from_ymd_opt(2023, 7, 20).expect("a date");
    let filters = Filters {
        instrument: Some(Key::parse("lincolnshire-hhcdg-delivery-plan").expect("a key")),
        ..Filters::default()
    };
    let view = models.actions().view(&filters, &Rules::default(), today, GroupBy::Organisation);
    let row = |id: &str| {
        view.rows.iter().find(|r| r.commitment.as_str() == id).unwrap_or_else(|| panic!("{id} is in the action log"))
    };
    let review = row("hhcdg-dfg-policy-review");
    assert_eq!(review.lead, "Housing Services Manager");
    assert_eq!(
        review.last_report.as_ref().map(|r| (r.percent_complete, r.period.as_str())),
        Some((40, "as at 2023-07-20"))
    );
    let sites = row("hhcdg-extra-care-site-assessments");
    assert_eq!(sites.title, "Assess candidate sites for extra care schemes in Gainsborough, Market Rasen and Caistor");
    assert_eq!(row("hhcdg-discharge-housing-support").due_on, Date::from_ymd_opt(2024, 9, 30));
    let evidence = row("hhcdg-specialist-housing-evidence").last_report.as_ref().map(|r| r.percent_complete);
    assert_eq!(evidence, Some(100));

    // The same file again, even on a later day, records nothing.
    let before = head(db.store()).await;
    let again = Options { on: Date::from_ymd_opt(2023, 8, 1).expect("a date"), ..file };
    let imported = import_as_hhcdg(&recorder, &text, &again).await.expect("the plan imports again");
    assert_eq!((imported.changed, imported.unchanged, imported.events), (0, 6, 0));
    assert_eq!(head(db.store()).await, before);
}

/// Imports `name` after the seed stories, checks that it recorded nothing, and returns its problems.
async fn problems_of(db: &TestStore, name: &str) -> Vec<(usize, Option<String>, String)> {
    let recorder = seeded(db.shared()).await;
    let before = head(db.store()).await;
    let error = import_as_hhcdg(&recorder, &fixture(name), &options(name)).await.expect_err("the plan has mistakes");
    assert_eq!(head(db.store()).await, before, "nothing is recorded");
    listed(error)
}

async fn dates_written_the_uk_way_are_each_reported(db: &TestStore) {
    assert_eq!(
        problems_of(db, "hhcdg-delivery-plan-uk-dates.csv").await,
        [
            (2, Some("due_date".into()), "'31/03/2024' is not written as YYYY-MM-DD: write 2024-03-31".into()),
            (4, Some("due_date".into()), "'31/12/2023' is not written as YYYY-MM-DD: write 2023-12-31".into()),
        ]
    );
}

async fn a_missing_lead_organisation_is_reported(db: &TestStore) {
    assert_eq!(
        problems_of(db, "hhcdg-delivery-plan-missing-lead.csv").await,
        [(
            3,
            Some("lead_organisation".into()),
            "is empty: give the org-id of the organisation that leads the action, such as GB-LAE-WLI".into()
        )]
    );
}

async fn an_unknown_instrument_and_a_dissolved_organisation_are_reported(db: &TestStore) {
    assert_eq!(
        problems_of(db, "hhcdg-delivery-plan-unknown-instrument.csv").await,
        [
            (
                3,
                Some("instrument".into()),
                "instrument lincolnshire-housing-delivery-plan is not recorded: check the id against `covenant report status`, or draft the instrument first".into()
            ),
            (
                4,
                Some("lead_organisation".into()),
                "organisation GB-NHS-71E is not registered or no longer active: register it, or name its successor".into()
            ),
        ]
    );
}
