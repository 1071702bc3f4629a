//! The governance record as Popolo: the seed stories exported give their organisations, bodies
//! with their classification and parent, the memberships of each body, and each resolution as a
//! motion of the body that decided it.

use app::Recorder;
use app::interchange::popolo;
use domain::testing::default_now;
use serde_json::{Value, json};
use tests::{TestStore, on_both_backends};

on_both_backends!(the_seed_stories_export_as_popolo);

/// The one element of `list` whose `id` is `id`.
fn by_id<'a>(list: &'a Value, id: &str) -> &'a Value {
    let found: Vec<&Value> = list.as_array().expect("a list").iter().filter(|item| item["id"] == id).collect();
    assert_eq!(found.len(), 1, "exactly one {id} in {list}");
    found[0]
}

async fn the_seed_stories_export_as_popolo(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the seed story is recorded");
    }
    let (models, _) = app::views::current(&stores, |_, _| ()).await.expect("the read models build");
    let popolo = serde_json::to_value(popolo::document(&models)).expect("the document serialises");

    let council = by_id(&popolo["organizations"], "GB-LAE-WLI");
    assert_eq!(council["name"], "West Lindsey District Council");
    assert_eq!(council["classification"], "local_authority");
    assert_eq!(council["identifiers"], json!([{"identifier": "GB-LAE-WLI", "scheme": "org-id.guide"}]));

    let board = by_id(&popolo["organizations"], "lincolnshire-health-and-wellbeing-board");
    assert_eq!(board["name"], "Lincolnshire Health and Wellbeing Board");
    assert_eq!(board["classification"], "board");
    assert_eq!(board["parent_id"], "GB-LAE-LIN");
    assert_eq!(board["founding_date"], "2018-01-01");
    let committee = by_id(&popolo["organizations"], "west-lindsey-prosperous-communities-committee");
    assert_eq!(committee["classification"], "committee");
    assert_eq!(committee["parent_id"], "GB-LAE-WLI");

    let membership = by_id(&popolo["memberships"], "lincolnshire-health-and-wellbeing-board/GB-LAE-WLI/2018-01-01");
    assert_eq!(
        membership,
        &json!({
            "id": "lincolnshire-health-and-wellbeing-board/GB-LAE-WLI/2018-01-01",
            "organization_id": "lincolnshire-health-and-wellbeing-board",
            "member": {"@type": "Organization", "id": "GB-LAE-WLI"},
            "start_date": "2018-01-01",
        })
    );
    // On the succession of 1 July 2022 the commissioning group's seat ends and the care board's begins.
    let ccg = by_id(&popolo["memberships"], "lincolnshire-health-and-wellbeing-board/GB-NHS-71E/2018-01-01");
    assert_eq!((&ccg["start_date"], &ccg["end_date"]), (&json!("2018-01-01"), &json!("2022-07-01")));
    let icb = by_id(&popolo["memberships"], "lincolnshire-health-and-wellbeing-board/GB-NHS-QJM/2022-07-01");
    assert_eq!((&icb["start_date"], icb.get("end_date")), (&json!("2022-07-01"), None));
    for membership in popolo["memberships"].as_array().expect("a list") {
        let body = membership["organization_id"].as_str().expect("a body");
        let member = membership["member"]["id"].as_str().expect("a member");
        by_id(&popolo["organizations"], body);
        by_id(&popolo["organizations"], member);
    }

    let motion = by_id(&popolo["motions"], "west-lindsey-pcc-2021-03-09-45");
    assert_eq!(
        motion,
        &json!({
            "id": "west-lindsey-pcc-2021-03-09-45",
            "organization_id": "west-lindsey-prosperous-communities-committee",
            "legislative_session_id": "west-lindsey-pcc-2021-03-09",
            "identifier": "45",
            "text": "RESOLVED that West Lindsey District Council adopt and agree to work towards meeting the objectives set out within the Lincolnshire Homes for Independence Blueprint.",
            "date": "2021-03-09",
            "result": "adopted",
            "sources": [{"url": "urn:covenant:meeting:west-lindsey-pcc-2021-03-09:item:45", "note": "Prosperous Communities Committee, 9 March 2021, agenda item 45 (Lincolnshire Homes for Independence Blueprint and HHCDG workstream), minute 45"}],
        })
    );
}
