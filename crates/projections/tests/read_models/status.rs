//! The instrument status board over the seed stories and the further story, on a fixed day.

use domain::Key;
use domain::testing::{key, org};
use projections::{Filters, Format, Rules, StatusBoard};

use crate::log::{corpus_log, fold, today};

fn board() -> StatusBoard {
    fold(&corpus_log())
}

#[test]
fn the_board_as_a_board_secretary_reads_it() {
    let view = board().view(&Filters::default(), &Rules::default(), today());
    insta::assert_snapshot!(view.report().render(Format::Text));
}

#[test]
fn the_board_for_one_partner_as_json() {
    let filters = Filters { organisation: Some(org("GB-LAE-WLI")), ..Filters::default() };
    let view = board().view(&filters, &Rules::default(), today());
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
    let status = board().instrument(&blueprint, &Rules::default(), today()).expect("drafted");
    let text: Vec<String> = status.reports().iter().map(|r| r.render(Format::Text)).collect();
    insta::assert_snapshot!(text.join("\n"));
}
