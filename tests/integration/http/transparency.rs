//! The transparency log over the real server: checkpoints signed as the log grows and served as
//! a signed note, and inclusion and consistency proofs that verify, with the kernel's verifier,
//! against the checkpoints served; sizes beyond the latest checkpoint refused in words.

use std::time::Duration;

use app::seeds;
use app::{Checkpoint, CheckpointPolicy, KeyKind, NoteSigner, Role, Witnessing};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use kernel::{ConsistencyProof, Hash, InclusionProof, Position, event_leaf};
use serde_json::Value;
use tests::{TestApp, TestStore, on_both_backends, spawn_app};

fn signer() -> NoteSigner {
    NoteSigner::generate("lincolnshire.example/covenant").expect("a good key name")
}

/// The checkpoint the service serves, verified with `signer`'s verifier key.
async fn served(app: &TestApp, token: &str, signer: &NoteSigner) -> Checkpoint {
    let response = app.get("/api/v1/checkpoint", token).send().await.expect("an answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    let note = response.text().await.expect("a body");
    Checkpoint::open(&note, &signer.verifier()).expect("the served note verifies with the log's key")
}

/// Waits until the service serves a checkpoint of `size` events (it looks once a second; a
/// loaded machine may take longer).
async fn served_at(app: &TestApp, token: &str, signer: &NoteSigner, size: u64) -> Checkpoint {
    for _ in 0..1200 {
        let response = app.get("/api/v1/checkpoint", token).send().await.expect("an answer");
        if response.status() == 200 {
            let checkpoint = served(app, token, signer).await;
            if checkpoint.size == size {
                return checkpoint;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no checkpoint of {size} events was served within a minute");
}

fn hashes(body: &Value) -> Vec<Hash> {
    body["hashes"]
        .as_array()
        .expect("a list of hashes")
        .iter()
        .map(|h| Hash::from_slice(&BASE64.decode(h.as_str().expect("text")).expect("base64")).expect("32 bytes"))
        .collect()
}

async fn the_service_signs_checkpoints_as_the_log_grows_and_serves_the_latest(db: &TestStore) {
    let app = spawn_app(db).await;
    let reader = app.token(Role::Reader, None).await;
    let none = app.get("/api/v1/checkpoint", &reader).send().await.expect("an answer");
    assert_eq!(none.status(), 404);
    assert_eq!(none.headers()["content-type"], "application/problem+json");
    let problem: Value = none.json().await.expect("a problem");
    let detail = problem["detail"].as_str().expect("a detail");
    assert!(detail.contains("[transparency] key = \"FILE\""), "{detail}");

    app.load(&seeds::lincolnshire()).await;
    let signer = signer();
    app.service
        .sign_checkpoints(signer.clone(), CheckpointPolicy { every_events: 5, every: Duration::from_secs(3600) });
    let first = served_at(&app, &reader, &signer, app.head().await).await;
    assert_eq!(first.origin, "lincolnshire.example/covenant");
    assert_eq!(first.root, app.stores.events.tree_root(first.size).await.expect("the root"));

    app.load(&seeds::walsall()).await;
    let grown = app.head().await;
    assert!(grown >= first.size + 5, "the second story adds at least five events");
    let second = served_at(&app, &reader, &signer, grown).await;
    let kept = app.stores.checkpoints.latest_checkpoint().await.expect("read").expect("kept in the database");
    assert_eq!((kept.size, kept.root), (second.size, second.root));
    app.stop().await;
}

async fn proofs_verify_against_the_served_checkpoint_and_other_sizes_are_refused(db: &TestStore) {
    let app = spawn_app(db).await;
    let reader = app.token(Role::Reader, None).await;
    let signer = signer();
    app.load(&seeds::lincolnshire()).await;
    app::sign_head(&app.stores, &signer).await.expect("signed");
    let earlier = served(&app, &reader, &signer).await;
    app.load(&seeds::walsall()).await;
    app::sign_head(&app.stores, &signer).await.expect("signed");
    let latest = served(&app, &reader, &signer).await;
    app.load(&seeds::rotherham()).await;
    assert!(app.head().await > latest.size, "the log has grown past the latest checkpoint");

    let events = app.stores.events.read_all(Position::ZERO, latest.size as usize).await.expect("the log");
    for event in events.iter().step_by(7).chain(events.last()) {
        let path = format!("/api/v1/proofs/inclusion?position={}&size={}", event.position, latest.size);
        let response = app.get(&path, &reader).send().await.expect("an answer");
        assert_eq!(response.status(), 200, "{path}");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["position"], event.position.0);
        assert_eq!(body["leaf_index"], event.position.0 - 1);
        assert_eq!(body["tree_size"], latest.size);
        let proof = InclusionProof { index: event.position.0 - 1, size: latest.size, path: hashes(&body) };
        proof.verify(&event_leaf(event), &latest.root).expect("the event is in the checkpointed log");
        let other = &events[(event.position.0 as usize) % events.len()];
        assert!(proof.verify(&event_leaf(other), &latest.root).is_err(), "a proof for another event is refused");
    }

    let path = format!("/api/v1/proofs/consistency?from={}&to={}", earlier.size, latest.size);
    let body: Value = app.get(&path, &reader).send().await.expect("an answer").json().await.expect("JSON");
    assert_eq!((body["from"].as_u64(), body["to"].as_u64()), (Some(earlier.size), Some(latest.size)));
    let proof = ConsistencyProof { from: earlier.size, to: latest.size, path: hashes(&body) };
    proof.verify(&earlier.root, &latest.root).expect("the earlier checkpoint's log is a prefix of the latest's");
    assert!(proof.verify(&latest.root, &latest.root).is_err(), "a proof against another root is refused");

    let beyond = latest.size + 1;
    for (path, status, says) in [
        (
            format!("/api/v1/proofs/inclusion?position=1&size={beyond}"),
            422,
            format!("covers tree sizes 1 to {}", latest.size),
        ),
        (
            format!("/api/v1/proofs/consistency?from=1&to={beyond}"),
            422,
            format!("covers tree sizes 1 to {}", latest.size),
        ),
        (format!("/api/v1/proofs/inclusion?position=0&size={}", latest.size), 422, "ask for a position from 1".into()),
        (
            format!("/api/v1/proofs/consistency?from={}&to={}", latest.size, earlier.size),
            422,
            "from a smaller tree to a larger one".into(),
        ),
        ("/api/v1/proofs/inclusion?position=1".into(), 400, "size".into()),
        ("/api/v1/proofs/consistency?from=one&to=2".into(), 400, "the proof takes from and to".into()),
    ] {
        let response = app.get(&path, &reader).send().await.expect("an answer");
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
        let problem: Value = response.json().await.expect("a problem");
        let detail = problem["detail"].as_str().expect("a detail");
        assert!(detail.contains(&says), "{path}: {detail}");
    }
    let anonymous = app.client.get(app.url("/api/v1/proofs/inclusion?position=1&size=1")).send().await;
    assert_eq!(anonymous.expect("an answer").status(), 401);
    app.stop().await;
}

/// POSTs `note` as a cosignature and gives the status and the body.
async fn send_cosignature(app: &TestApp, token: &str, note: &str) -> (u16, String) {
    let response = app
        .client
        .post(app.url("/api/v1/checkpoint/cosignatures"))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body(note.to_owned())
        .send()
        .await
        .expect("an answer");
    (response.status().as_u16(), response.text().await.expect("a body"))
}

async fn cosignatures_are_kept_only_from_the_witnesses_named_and_for_checkpoints_signed(db: &TestStore) {
    let app = spawn_app(db).await;
    let reader = app.token(Role::Reader, None).await;
    app.load(&seeds::lincolnshire()).await;
    let signer = signer();
    app.service
        .sign_checkpoints(signer.clone(), CheckpointPolicy { every_events: 1, every: Duration::from_secs(3600) });
    let signed = served_at(&app, &reader, &signer, app.head().await).await;
    let kept = app.stores.checkpoints.latest_checkpoint().await.expect("read").expect("signed");
    let named = NoteSigner::generate_kind("partner.example.org/witness", KeyKind::Witness).expect("name");
    let cosigned = named.sign(&signed.body());

    let (status, body) = send_cosignature(&app, &reader, &cosigned).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("[transparency] witnesses"), "no witness named yet: {body}");

    app.service.accept_cosignatures(Witnessing { witnesses: vec![named.verifier()], quorum: 0 });
    let stranger = NoteSigner::generate_kind("partner.example.org/witness", KeyKind::Witness).expect("name");
    let (status, body) = send_cosignature(&app, &reader, &stranger.sign(&signed.body())).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("by none of the witnesses this log names"), "{body}");
    let other = Checkpoint { size: signed.size + 1, ..signed.clone() };
    let (status, body) = send_cosignature(&app, &reader, &named.sign(&other.body())).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains(&format!("no checkpoint of {} events was signed", signed.size + 1)), "{body}");
    let unchanged = app.stores.checkpoints.latest_checkpoint().await.expect("read").expect("signed");
    assert_eq!(unchanged.note, kept.note, "nothing refused was kept");

    let (status, body) = send_cosignature(&app, &reader, &cosigned).await;
    assert_eq!(status, 200, "{body}");
    let response = app.get("/api/v1/checkpoint", &reader).send().await.expect("an answer");
    let note = response.text().await.expect("a body");
    assert_eq!(note, body, "the checkpoint is served with the cosignature");
    assert_eq!(Checkpoint::open(&note, &signer.verifier()).expect("the log's signature"), signed);
    let (text, _) = named.verifier().open_cosigned(&note).expect("the witness's cosignature");
    assert_eq!(text, signed.body());
    app.stop().await;
}

/// A resolution's portable proof, from the API and from the link on its dashboard page alike,
/// verifies offline with the log's verifier key alone; before any checkpoint, for a resolution
/// recorded after the latest, and for one not on record, it is refused in words.
async fn a_resolutions_proof_downloads_and_verifies_offline(db: &TestStore) {
    const MINUTE_45: &str = "west-lindsey-pcc-2021-03-09-45";
    let app = spawn_app(db).await;
    let reader = app.token(Role::Reader, None).await;
    let signer = signer();
    app.load(&seeds::lincolnshire()).await;
    let path = format!("/api/v1/proofs/resolutions/{MINUTE_45}");
    let (status, text) = get_text(&app, &path, &reader).await;
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("no checkpoint has been signed yet"), "{text}");

    app::sign_head(&app.stores, &signer).await.expect("signed");
    let response = app.get(&path, &reader).send().await.expect("an answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"resolution-west-lindsey-pcc-2021-03-09-45.proof.json\""
    );
    let file = response.text().await.expect("a body");
    let proven = app::resolution_proof::verify(&file, &signer.verifier(), &[]).expect("the proof verifies offline");
    assert_eq!(proven.resolution, MINUTE_45);
    assert_eq!(proven.minute_number.as_deref(), Some("45"));
    let mut altered = file.clone().into_bytes();
    let at = file.find("adopt and agree").expect("the resolution's words are in the file");
    altered[at] = b'A';
    let altered = String::from_utf8(altered).expect("text");
    assert!(app::resolution_proof::verify(&altered, &signer.verifier(), &[]).is_err(), "an altered proof is refused");

    let page = format!("/dashboard/resolutions/{MINUTE_45}");
    let (status, html) = get_text(&app, &page, &reader).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("href=\"{page}/proof\"")), "the page links to its proof");
    let (status, from_dashboard) = get_text(&app, &format!("{page}/proof"), &reader).await;
    assert_eq!((status, from_dashboard), (200, file), "the dashboard's link gives the API's file");

    app.load(&seeds::walsall()).await;
    let later = "/api/v1/proofs/resolutions/walsall-together-partnership-board-2019-04-01-partnership";
    let (status, text) = get_text(&app, later, &reader).await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("is not covered by the latest checkpoint"), "{text}");
    let (status, text) = get_text(&app, "/api/v1/proofs/resolutions/no-such-resolution", &reader).await;
    assert_eq!(status, 404, "{text}");
    let (status, text) = get_text(&app, "/api/v1/proofs/resolutions/Not%20A%20Key", &reader).await;
    assert_eq!(status, 400, "{text}");
    app.stop().await;
}

/// With `[transparency] quorum = 2`, the checkpoint served is the latest two of the witnesses
/// named have cosigned: until then none is served (and the witnesses read the latest at
/// `/api/v1/checkpoint/latest`); inclusion and resolution proofs are given against the served
/// one, consistency proofs up to the latest, so that witnesses can check it before cosigning.
async fn the_checkpoint_served_is_the_latest_the_quorum_of_witnesses_cosigned(db: &TestStore) {
    const MINUTE_45: &str = "west-lindsey-pcc-2021-03-09-45";
    let app = spawn_app(db).await;
    let reader = app.token(Role::Reader, None).await;
    let signer = signer();
    let first = NoteSigner::generate_kind("west-lindsey.gov.uk/witness", KeyKind::Witness).expect("a key");
    let second = NoteSigner::generate_kind("bexley.gov.uk/witness", KeyKind::Witness).expect("a key");
    app.service.accept_cosignatures(Witnessing { witnesses: vec![first.verifier(), second.verifier()], quorum: 2 });
    app.load(&seeds::lincolnshire()).await;
    let earlier = app::sign_head(&app.stores, &signer).await.expect("signed");
    let earlier = Checkpoint::open(&earlier.note, &signer.verifier()).expect("the log's checkpoint");

    let (status, text) = get_text(&app, "/api/v1/checkpoint", &reader).await;
    assert_eq!(status, 404, "{text}");
    assert!(
        text.contains("no checkpoint has yet been cosigned by 2 of the 2 witnesses this log names")
            && text.contains("is cosigned by 0"),
        "{text}"
    );
    let latest = app.get("/api/v1/checkpoint/latest", &reader).send().await.expect("an answer");
    assert_eq!((latest.status().as_u16(), latest.headers()["covenant-quorum"].to_str().expect("text")), (200, "2"));
    assert_eq!(latest.headers()["covenant-cosigned-by"], "");
    let (status, text) = get_text(&app, &format!("/api/v1/proofs/resolutions/{MINUTE_45}"), &reader).await;
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("cosigned by 2 of the 2 witnesses"), "{text}");

    let (status, body) = send_cosignature(&app, &reader, &first.sign(&earlier.body())).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = get_text(&app, "/api/v1/checkpoint", &reader).await;
    assert_eq!(status, 404, "one cosignature of two");
    let (status, body) = send_cosignature(&app, &reader, &second.sign(&earlier.body())).await;
    assert_eq!(status, 200, "{body}");
    let response = app.get("/api/v1/checkpoint", &reader).send().await.expect("an answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["covenant-quorum"], "2");
    assert_eq!(response.headers()["covenant-cosigned-by"], "west-lindsey.gov.uk/witness, bexley.gov.uk/witness");
    assert_eq!(served(&app, &reader, &signer).await, earlier);

    app.load(&seeds::walsall()).await;
    let later = app::sign_head(&app.stores, &signer).await.expect("signed");
    let later = Checkpoint::open(&later.note, &signer.verifier()).expect("the log's checkpoint");
    assert!(later.size > earlier.size);
    let (status, body) = send_cosignature(&app, &reader, &first.sign(&later.body())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(served(&app, &reader, &signer).await, earlier, "one cosignature of the later is not enough");
    let latest = app.get("/api/v1/checkpoint/latest", &reader).send().await.expect("an answer");
    assert_eq!(latest.headers()["covenant-cosigned-by"], "west-lindsey.gov.uk/witness");
    let note = latest.text().await.expect("a body");
    assert_eq!(Checkpoint::open(&note, &signer.verifier()).expect("the log's signature"), later);

    let beyond = format!("/api/v1/proofs/inclusion?position=1&size={}", later.size);
    let (status, text) = get_text(&app, &beyond, &reader).await;
    assert_eq!(status, 422, "{text}");
    assert!(
        text.contains(&format!("beyond the checkpoint served, which covers tree sizes 1 to {}", earlier.size)),
        "{text}"
    );
    let within = format!("/api/v1/proofs/inclusion?position=1&size={}", earlier.size);
    assert_eq!(get_text(&app, &within, &reader).await.0, 200);
    let consistency = format!("/api/v1/proofs/consistency?from={}&to={}", earlier.size, later.size);
    let (status, text) = get_text(&app, &consistency, &reader).await;
    assert_eq!(status, 200, "witnesses check the latest before cosigning it: {text}");
    let (status, file) = get_text(&app, &format!("/api/v1/proofs/resolutions/{MINUTE_45}"), &reader).await;
    assert_eq!(status, 200, "{file}");
    let proven = app::resolution_proof::verify(&file, &signer.verifier(), &[first.verifier(), second.verifier()])
        .expect("proved against the checkpoint both witnesses cosigned");
    assert_eq!(proven.checkpoint_size, earlier.size);

    let (status, body) = send_cosignature(&app, &reader, &second.sign(&later.body())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(served(&app, &reader, &signer).await, later, "cosigned by both, the later is served");
    app.stop().await;
}

async fn get_text(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let response = app.get(path, token).send().await.expect("an answer");
    (response.status().as_u16(), response.text().await.expect("a body"))
}

on_both_backends!(
    a_resolutions_proof_downloads_and_verifies_offline,
    the_checkpoint_served_is_the_latest_the_quorum_of_witnesses_cosigned,
    the_service_signs_checkpoints_as_the_log_grows_and_serves_the_latest,
    proofs_verify_against_the_served_checkpoint_and_other_sizes_are_refused,
    cosignatures_are_kept_only_from_the_witnesses_named_and_for_checkpoints_signed,
);
