//! The portable proof of a resolution: exported for every resolution of the seed stories and
//! verified offline with the verifier key alone; one byte changed anywhere, a proof checked with
//! another key, and a proof for another event are each refused.

use app::resolution_proof::{self, ResolutionProofError};
use app::{KeyKind, NoteSigner, Recorder, Witnessing};
use domain::testing::default_now;
use kernel::{Position, StreamBound};
use tests::{TestStore, on_both_backends};

async fn every_resolution_of_the_demo_round_trips_and_an_altered_proof_is_refused(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the story is recorded");
    }
    let unsigned = resolution_proof::export(&stores, "west-lindsey-pcc-2021-03-09-45", &Witnessing::default()).await;
    assert!(matches!(unsigned, Err(ResolutionProofError::NoCheckpoint)), "{unsigned:?}");
    let signer = NoteSigner::generate("lincolnshire.example/covenant").expect("a key");
    let checkpoint = app::sign_head(&stores, &signer).await.expect("signed");
    let (models, _) = app::views::current(&stores, |_, _| ()).await.expect("the read models");
    let ids: Vec<String> =
        models.resolutions_on_record().filter_map(|r| r.id.as_ref().map(|k| k.as_str().to_owned())).collect();
    assert!(ids.len() >= 5, "the seed stories record resolutions: {ids:?}");

    let mut files = Vec::new();
    for id in &ids {
        let file = resolution_proof::export(&stores, id, &Witnessing::default()).await.expect("the proof exports");
        let proven = resolution_proof::verify(&file, &signer.verifier(), &[]).expect("the proof verifies offline");
        let stream = domain::ids::resolution_stream(&domain::values::Key::parse(id.as_str()).expect("a key"));
        let recorded = stores.events.read_stream(&stream, StreamBound::All).await.expect("the stream");
        assert_eq!(proven.resolution, *id);
        assert_eq!(proven.positions, recorded.iter().map(|e| e.position.0).collect::<Vec<_>>());
        assert_eq!(proven.checkpoint_size, checkpoint.size);
        let said = proven.to_string();
        let expected =
            format!("is event {} of the log whose checkpoint of {} events", recorded[0].position, checkpoint.size);
        assert!(said.contains(&expected) && said.contains("signed by lincolnshire.example/covenant"), "{said}");
        files.push(file);
    }
    let minute = resolution_proof::verify(
        &files[ids.iter().position(|i| i == "west-lindsey-pcc-2021-03-09-45").expect("minute 45")],
        &signer.verifier(),
        &[],
    )
    .expect("verifies")
    .to_string();
    assert!(
        minute.starts_with("Resolution west-lindsey-pcc-2021-03-09-45: minute 45 of West Lindsey District Council's Prosperous Communities Committee, decided 9 March 2021, is event "),
        "{minute}"
    );
    let body = stores
        .events
        .read_stream(
            &domain::ids::body_stream(
                &domain::values::Key::parse("west-lindsey-prosperous-communities-committee").expect("a key"),
            ),
            StreamBound::UpToVersion(1),
        )
        .await
        .expect("the body");
    let council = stores
        .events
        .read_stream(
            &domain::ids::organisation_stream(&domain::values::OrgId::parse("GB-LAE-WLI").expect("an id")),
            StreamBound::UpToVersion(1),
        )
        .await
        .expect("the council");
    let named = format!(
        "The body is named as it was established, at position {}, and West Lindsey District Council as it was registered, at position {}, both in that log.",
        body[0].position, council[0].position
    );
    assert!(minute.contains(&named), "{minute}");

    // The events that name the body are proved: another body's naming events, or a file of the
    // second format without them, are refused; a file of the first format names the body by its key.
    let minute_file = &files[ids.iter().position(|i| i == "west-lindsey-pcc-2021-03-09-45").expect("minute 45")];
    // The top-level `names` entry of a pretty-printed file, from its key to the next key.
    let names_of = |file: &str| {
        let from = file.find("\n  \"names\": [").expect("names");
        let to = file.find("\n  \"checkpoint_head\": ").expect("checkpoint_head");
        file[from..to].to_owned()
    };
    let names = names_of(minute_file);
    let other = files.iter().map(|f| names_of(f)).find(|n| *n != names).expect("a resolution of another body");
    let refused = resolution_proof::verify(&minute_file.replace(&names, &other), &signer.verifier(), &[])
        .expect_err("another body's names");
    assert!(refused.to_string().contains("is not the body's establishment"), "{refused}");
    let without = minute_file.replace(&names, "");
    let refused = resolution_proof::verify(&without, &signer.verifier(), &[]).expect_err("no names");
    assert!(refused.to_string().contains("carries the events that name the body"), "{refused}");
    let first_format = without.replace("resolution-proof@v2", "resolution-proof@v1");
    let first_format =
        resolution_proof::verify(&first_format, &signer.verifier(), &[]).expect("the first format verifies");
    assert!(first_format.named.is_none());
    assert!(
        first_format.to_string().contains("minute 45 of the body west-lindsey-prosperous-communities-committee (this file names it by its key only), decided 9 March 2021"),
        "{first_format}"
    );
    let refused = resolution_proof::verify(
        &minute_file.replace("resolution-proof@v2", "resolution-proof@v1"),
        &signer.verifier(),
        &[],
    )
    .expect_err("names in the first format");
    assert!(refused.to_string().contains("this file's format is covenant.resolution-proof@v1"), "{refused}");

    // One byte changed anywhere in a file is refused.
    let original = files[0].as_bytes();
    let mut changed_bytes = 0;
    for at in 0..original.len() {
        let mut changed = original.to_vec();
        changed[at] ^= 0x01;
        let Ok(text) = String::from_utf8(changed) else { continue };
        let refused = resolution_proof::verify(&text, &signer.verifier(), &[]);
        assert!(
            matches!(refused, Err(ResolutionProofError::Refused(_))),
            "byte {at} changed from {:?} is not refused",
            original[at] as char
        );
        changed_bytes += 1;
    }
    assert!(changed_bytes > original.len() / 2);

    // Another key's verifier, and a proof for another event, are refused.
    let other = NoteSigner::generate("lincolnshire.example/covenant").expect("a key");
    let refused = resolution_proof::verify(&files[0], &other.verifier(), &[]).expect_err("another key");
    assert!(refused.to_string().contains("signed with another key"), "{refused}");
    let first: serde_json::Value = serde_json::from_str(&files[0]).expect("JSON");
    let second: serde_json::Value = serde_json::from_str(&files[1]).expect("JSON");
    let swapped = files[0].replace(
        first["events"][0]["proof"].as_str().expect("a proof").replace('\n', "\\n").as_str(),
        second["events"][0]["proof"].as_str().expect("a proof").replace('\n', "\\n").as_str(),
    );
    assert_ne!(swapped, files[0]);
    let refused = resolution_proof::verify(&swapped, &signer.verifier(), &[]).expect_err("another event's proof");
    assert!(refused.to_string().contains("is for another leaf"), "{refused}");

    // An event after the latest checkpoint is not proved until a new one is signed.
    let head = stores.events.head().await.expect("head").position;
    assert_eq!(head, Position(checkpoint.size));
    stores.checkpoints.save_checkpoint(&kernel::SignedCheckpoint { size: 10, ..checkpoint }).await.expect("kept");
    let late = resolution_proof::export(&stores, "west-lindsey-pcc-2021-03-09-45", &Witnessing::default()).await;
    assert!(matches!(late, Err(ResolutionProofError::NotCovered { size: 10, .. })), "{late:?}");
}

/// A proof's checkpoint carries the cosignatures kept with it: checked with a witness that
/// cosigned, the proof says so; with one that did not, it is refused, naming that witness.
async fn a_proof_is_checked_against_the_witnesses_asked_for(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    app::load_story(&recorder, &app::seeds::lincolnshire(), default_now()).await.expect("the story is recorded");
    let signer = NoteSigner::generate("lincolnshire.example/covenant").expect("a key");
    let signed = app::sign_head(&stores, &signer).await.expect("signed");
    let checkpoint = app::Checkpoint::open(&signed.note, &signer.verifier()).expect("the log's own checkpoint");
    let witness = NoteSigner::generate_kind("west-lindsey.gov.uk/witness", KeyKind::Witness).expect("a key");
    let absent = NoteSigner::generate_kind("bexley.gov.uk/witness", KeyKind::Witness).expect("a key");
    app::accept_cosignature(&stores, &[witness.verifier()], &witness.sign(&checkpoint.body()))
        .await
        .expect("the cosignature is kept");
    let file = resolution_proof::export(&stores, "west-lindsey-pcc-2021-03-09-45", &Witnessing::default())
        .await
        .expect("exported");

    let proven = resolution_proof::verify(&file, &signer.verifier(), &[witness.verifier()]).expect("cosigned");
    assert_eq!(proven.cosigned_by.len(), 1);
    assert_eq!(proven.cosigned_by[0].witness, "west-lindsey.gov.uk/witness");
    let said = proven.to_string();
    assert!(said.contains("The checkpoint is cosigned by the witness west-lindsey.gov.uk/witness (at "), "{said}");
    let refused = resolution_proof::verify(&file, &signer.verifier(), &[witness.verifier(), absent.verifier()])
        .expect_err("a witness that did not cosign");
    assert!(refused.to_string().contains("bexley.gov.uk/witness"), "{refused}");
    let log_as_witness = resolution_proof::verify(&file, &signer.verifier(), &[signer.verifier()]);
    assert!(log_as_witness.is_err(), "the log's own key is no witness");
}

on_both_backends!(
    a_proof_is_checked_against_the_witnesses_asked_for,
    every_resolution_of_the_demo_round_trips_and_an_altered_proof_is_refused
);
