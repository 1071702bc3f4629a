//! The instrument status board over the seed stories and the further story, on a fixed day.

use domain::Key;
use domain::testing::{key, org};
use projections::{AsOf, Filters, Format, RagMix, ReadModels, Rules};

use crate::log::{corpus_log, fold, today};

fn models() -> ReadModels {
    fold(&corpus_log())
}

#[test]
fn the_board_as_a_board_secretary_reads_it() {
    let view = models().status().view(&Filters::default(), &Rules::default(), today());
    insta::assert_snapshot!(view.report().render(Format::Text));
}

#[test]
fn the_board_for_one_partner_as_json() {
    let filters = Filters { organisation: Some(org("GB-LAE-WLI")), ..Filters::default() };
    let view = models().status().view(&filters, &Rules::default(), today());
    let titles: Vec<&str> = view.instruments.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "HHCDG Delivery Plan",
            "Lincolnshire Homes for Independence Blueprint",
            "Lincolnshire Housing, Health and Care Memorandum of Understanding"
        ]
    );
    insta::assert_json_snapshot!(view);
}

#[test]
fn the_blueprint_in_detail() {
    let blueprint: Key = key("lincolnshire-homes-for-independence-blueprint");
    let status = models().status().instrument(&blueprint, &Rules::default(), today()).expect("drafted");
    let text: Vec<String> = status.reports().iter().map(|r| r.render(Format::Text)).collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn an_instrument_is_made_of_its_own_stream_its_bodies_and_parties_and_the_commitments_behind_it() {
    let models = models();
    let board = models.status();
    let sources: Vec<String> = board
        .sources(&key("lincolnshire-homes-for-independence-blueprint"), AsOf::now())
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    for expected in [
        "instrument-lincolnshire-homes-for-independence-blueprint",
        "body-lincolnshire-hhcdg",
        "body-lincolnshire-health-and-wellbeing-board",
        "organisation-GB-LAE-WLI",
        // Towards the blueprint, and an action below it that is towards the delivery plan.
        "commitment-hhcdg-delivery-plan",
        "commitment-hhcdg-dfg-fast-track",
        // The clinical commissioning group's successor, which took over its action.
        "organisation-GB-NHS-QJM",
    ] {
        assert!(sources.iter().any(|s| s == expected), "{expected} is missing from {sources:?}");
    }
    // The resolutions it cites are named by body and minute, so their streams are sources too;
    // no other resolution, and no indicator, is.
    let resolutions: Vec<&String> = sources.iter().filter(|s| s.starts_with("resolution-")).collect();
    assert_eq!(
        resolutions,
        ["resolution-lincolnshire-hwb-2020-12-01-homes-for-independence", "resolution-west-lindsey-pcc-2021-03-09-45"]
    );
    assert!(sources.iter().any(|s| s == "body-west-lindsey-prosperous-communities-committee"), "{sources:?}");
    assert!(!sources.iter().any(|s| s.starts_with("indicator-")), "{sources:?}");

    let saved: ReadModels = serde_json::from_str(&serde_json::to_string(&models).expect("saves")).expect("reads back");
    let view = board.view(&Filters::default(), &Rules::default(), today());
    for instrument in view.instruments.iter().map(|i| &i.instrument) {
        assert_eq!(
            saved.status().sources(instrument, AsOf::now()),
            board.sources(instrument, AsOf::now()),
            "{instrument} after a round trip"
        );
    }
}

#[test]
fn each_instrument_counts_its_ratings_and_the_days_since_it_was_last_touched() {
    let models = models();
    let blueprint: Key = key("lincolnshire-homes-for-independence-blueprint");
    let on = |day: &str| models.status().instrument(&blueprint, &Rules::default(), domain::testing::date(day));
    let status = on("2023-04-30").expect("drafted");
    // One commitment towards it (the delivery plan's fast track, behind its due date), rated red.
    assert_eq!(status.rag_mix, RagMix { red: 1, amber: 0, green: 0, unrated: 0 });
    assert_eq!(status.rag_mix.total(), status.objectives.iter().map(|o| o.commitments).sum::<usize>());
    assert_eq!(status.last_update, Some(domain::testing::date("2023-03-31")));
    assert_eq!(status.days_since_update, Some(30));
    assert_eq!(on("2023-03-31").expect("drafted").days_since_update, Some(0));
    // Counted on a day before the last update, there are no days since it.
    assert_eq!(on("2023-03-30").expect("drafted").days_since_update, None);
    assert_eq!(status.themes, ["housing supply", "planning", "integration", "independent living"]);
}

#[test]
fn the_board_narrowed_to_a_theme() {
    let models = models();
    let board = models.status();
    let themes = board.themes();
    assert!(themes.windows(2).all(|pair| pair[0] < pair[1]), "sorted and each once: {themes:?}");
    assert!(themes.iter().any(|t| t == "planning"), "{themes:?}");
    let on_theme = |theme: &str| {
        let filters = Filters { theme: Some(theme.to_owned()), ..Filters::default() };
        let view = board.view(&filters, &Rules::default(), today());
        view.instruments.into_iter().map(|i| i.instrument.to_string()).collect::<Vec<_>>()
    };
    let planning = on_theme("planning");
    assert!(planning.iter().any(|k| k == "lincolnshire-homes-for-independence-blueprint"), "{planning:?}");
    let all = board.view(&Filters::default(), &Rules::default(), today()).instruments;
    for i in all.iter().filter(|i| planning.contains(&i.instrument.to_string())) {
        assert!(i.themes.iter().any(|t| t == "planning"), "{} has no planning objective", i.title);
    }
    assert!(planning.len() < all.len(), "the theme narrows the board");
    assert!(on_theme("no such theme").is_empty());
}
