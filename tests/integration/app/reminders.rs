//! Reminders (`app::reminders::send_due`) against an SMTP receiver started on loopback: each
//! contact gets one e-mail with a plain text and an HTML part listing its own pressing actions
//! with their dashboard links; an organisation that opted out gets none; a week has one reminder
//! per organisation, also when the reminders are sent again by a fresh process; and each reminder
//! is in the audit trail. Two schedulers on one database (two `covenant serve`) send each contact
//! one e-mail between them; a server that asks for a login is given the one configured; over
//! STARTTLS and implicit TLS the server's certificate is checked, trusting the authority
//! configured besides the Mozilla roots, and a certificate no trusted authority signed is refused.

use std::sync::{Arc, Mutex};

use app::reminders::{ReminderSettings, Schedule, SmtpLogin, SmtpSecurity, send_due, send_scheduled};
use app::{Asked, Provenance, Recorder, ReportRequest, ReportView, Reports, Stores, Submission};
use base64::Engine;
use domain::testing::{date, default_now};
use domain::{Command, OrgId, organisation};
use kernel::{StreamId, Timestamp};
use projections::{ReportKind, Rules, TrailFilters, Unverified};
use tests::{TestStore, on_both_backends};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::PrivatePkcs8KeyDer;

on_both_backends!(
    the_right_actions_go_to_the_right_contacts_once_a_week,
    two_schedulers_on_one_database_send_each_contact_one_email,
    a_server_that_asks_for_a_login_is_given_it,
    starttls_and_implicit_tls_trust_the_organisations_own_authority,
    a_certificate_no_trusted_authority_signed_is_refused,
);

/// One message the receiver accepted: its recipients and its data.
#[derive(Clone, Debug)]
struct Received {
    to: Vec<String>,
    data: String,
    /// The AUTH command the client sent on the message's connection, if any.
    auth: Option<String>,
    /// Whether the message came over TLS.
    secured: bool,
}

/// How the receiver secures its connections.
#[derive(Clone)]
enum Security {
    Plain,
    /// Plain SMTP that offers STARTTLS and upgrades when asked.
    StartTls(TlsAcceptor),
    /// TLS from the first byte.
    Implicit(TlsAcceptor),
}

type Kept = Arc<Mutex<Vec<Received>>>;

/// A minimal SMTP receiver on a free loopback port, offering AUTH PLAIN and LOGIN and keeping
/// every message it accepts.
async fn receiver() -> (u16, Kept) {
    receiver_securing(Security::Plain).await
}

/// The receiver, its connections secured as `security` says.
async fn receiver_securing(security: Security) -> (u16, Kept) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (kept, security) = (kept.clone(), security.clone());
            tokio::spawn(async move {
                match security {
                    Security::Plain => {
                        converse(socket, PLAIN, &kept).await;
                    }
                    Security::StartTls(acceptor) => {
                        let offering = Conversation { offer_tls: true, ..PLAIN };
                        if let Some(plain) = converse(socket, offering, &kept).await {
                            // A client that does not trust the certificate ends the handshake.
                            if let Ok(secured) = acceptor.accept(plain).await {
                                converse(
                                    secured,
                                    Conversation { secured: true, greet: false, offer_tls: false },
                                    &kept,
                                )
                                .await;
                            }
                        }
                    }
                    Security::Implicit(acceptor) => {
                        if let Ok(secured) = acceptor.accept(socket).await {
                            converse(secured, Conversation { secured: true, ..PLAIN }, &kept).await;
                        }
                    }
                }
            });
        }
    });
    (port, received)
}

/// How a conversation begins and what it offers.
#[derive(Clone, Copy)]
struct Conversation {
    /// Over TLS.
    secured: bool,
    /// Begun with the server's greeting: not after STARTTLS, where the client speaks first.
    greet: bool,
    /// STARTTLS is offered.
    offer_tls: bool,
}

const PLAIN: Conversation = Conversation { secured: false, greet: true, offer_tls: false };

/// One SMTP conversation on `stream`, keeping what it accepts in `kept`; when it offers
/// STARTTLS and the client asks for it, gives back the stream, to be secured and spoken on again.
async fn converse<S>(stream: S, how: Conversation, kept: &Kept) -> Option<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut stream = BufReader::new(stream);
    if how.greet {
        stream.get_mut().write_all(b"220 localhost ready\r\n").await.ok()?;
    }
    let mut to = Vec::new();
    let mut auth = None;
    while let Some(line) = read_line(&mut stream).await {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            if how.offer_tls {
                b"250-localhost\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n"
            } else {
                b"250-localhost\r\n250 AUTH PLAIN LOGIN\r\n"
            }
        } else if upper == "STARTTLS" && how.offer_tls {
            stream.get_mut().write_all(b"220 ready to start TLS\r\n").await.ok()?;
            return Some(stream.into_inner());
        } else if upper.starts_with("AUTH ") {
            auth = Some(line.clone());
            b"235 authenticated\r\n"
        } else if let Some(rcpt) = upper.strip_prefix("RCPT TO:") {
            to.push(rcpt.trim().trim_matches(['<', '>']).to_ascii_lowercase());
            b"250 ok\r\n"
        } else if upper == "DATA" {
            stream.get_mut().write_all(b"354 go ahead\r\n").await.ok()?;
            let mut data = String::new();
            while let Some(line) = read_line(&mut stream).await {
                if line == "." {
                    break;
                }
                data.push_str(&line);
                data.push('\n');
            }
            // Quoted-printable, as the parts are sent: soft line breaks joined, `=` restored.
            let data = data.replace("=\n", "").replace("=3D", "=");
            let to = std::mem::take(&mut to);
            kept.lock().expect("the messages").push(Received { to, data, auth: auth.clone(), secured: how.secured });
            b"250 queued\r\n"
        } else if upper == "QUIT" {
            let _ = stream.get_mut().write_all(b"221 bye\r\n").await;
            return None;
        } else {
            b"250 ok\r\n"
        };
        stream.get_mut().write_all(reply).await.ok()?;
    }
    None
}

/// The next line the client sent, without its line end; none once it closed the connection.
async fn read_line<S: AsyncRead + Unpin>(stream: &mut BufReader<S>) -> Option<String> {
    let mut line = String::new();
    match stream.read_line(&mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_owned()),
    }
}

/// A certificate authority of the organisation's own (illustrative) and a certificate it signed
/// for `localhost`: the authority's certificate as PEM, and what the receiver serves TLS with.
fn organisations_authority() -> (String, TlsAcceptor) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let authority_key = KeyPair::generate().expect("a key");
    let mut authority = CertificateParams::new(Vec::<String>::new()).expect("parameters");
    authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    authority.distinguished_name.push(DnType::CommonName, "Illustrative Council Root CA");
    let authority = authority.self_signed(&authority_key).expect("the authority's certificate");
    let key = KeyPair::generate().expect("a key");
    let server = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("parameters")
        .signed_by(&key, &authority, &authority_key)
        .expect("the server's certificate");
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![server.der().clone()], PrivatePkcs8KeyDer::from(key.serialize_der()).into())
        .expect("the server's TLS");
    (authority.pem(), TlsAcceptor::from(Arc::new(config)))
}

/// Open and overdue, due soon or stale: what a reminder lists.
fn pressing(a: &&projections::ActionRow) -> bool {
    a.state.is_open()
        && (matches!(a.state, projections::ActionState::Overdue | projections::ActionState::DueSoon) || a.stale)
}

async fn action_log(reports: &Reports, today: domain::Date) -> projections::ActionsView {
    let request = ReportRequest::new(ReportKind::Actions, Asked { today: Some(today), ..Asked::default() });
    let ReportView::Actions(log) = reports.answer(&request.expect("a request")).await.expect("the log").view else {
        panic!("the action log");
    };
    log
}

async fn record(recorder: &Recorder, command: organisation::Command) {
    let submission = Submission { command: Command::Organisation(command), provenance: Provenance::new("secretariat") };
    recorder.record(&submission, Timestamp::now()).await.expect("recorded");
}

/// The SMTP settings for the receiver on `port`: plain SMTP, no login, the default schedule.
fn settings(port: u16) -> ReminderSettings {
    ReminderSettings {
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        security: SmtpSecurity::None,
        login: None,
        ca_certificate: None,
        schedule: Schedule::default(),
        from: "Board secretariat <secretariat@covenant.example>".into(),
        dashboard: "https://covenant.example".into(),
    }
}

/// The demo's stories with a contact named (illustrative addresses) for every organisation with
/// a pressing action on `today`.
async fn demo_with_contacts(db: &TestStore, today: domain::Date) -> (Stores, Recorder, Vec<OrgId>) {
    let stores = db.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the seed story is recorded");
    }
    // Before any contact is named, nobody is due a reminder.
    let reports = Reports::once(stores.clone(), Rules::default(), Unverified::Refuse);
    assert!(reports.reminders_due(today).await.expect("the reminders").is_empty());

    // Every organisation with a pressing action on the day names a contact.
    let log = action_log(&reports, today).await;
    let mut organisations: Vec<OrgId> =
        log.rows.iter().filter(pressing).filter_map(|a| a.organisation.clone()).collect();
    organisations.sort();
    organisations.dedup();
    assert!(organisations.len() >= 2, "the demo has pressing actions at two organisations or more: {organisations:?}");
    for o in &organisations {
        record(
            &recorder,
            organisation::Command::NameContact {
                id: o.clone(),
                name: format!("Delivery lead, {o}"),
                email: address(o),
            },
        )
        .await;
    }
    (stores, recorder, organisations)
}

fn address(o: &OrgId) -> String {
    format!("delivery@{}.example", o.as_str().to_ascii_lowercase())
}

async fn the_right_actions_go_to_the_right_contacts_once_a_week(db: &TestStore) {
    let today = date("2024-06-03");
    let (stores, recorder, organisations) = demo_with_contacts(db, today).await;
    let reports = Reports::once(stores.clone(), Rules::default(), Unverified::Refuse);
    let log = action_log(&reports, today).await;
    let opted_out = organisations.last().expect("one").clone();
    record(&recorder, organisation::Command::OptOutOfReminders { id: opted_out.clone() }).await;

    let (port, received) = receiver().await;
    let settings = settings(port);
    let sent = send_due(&reports, &recorder, &settings, today).await.expect("the reminders are sent");
    assert_eq!(sent.len(), organisations.len() - 1, "one to each contact but the one that opted out");
    let messages = received.lock().expect("the messages").clone();
    assert_eq!(messages.len(), sent.len());
    for o in &organisations[..organisations.len() - 1] {
        let to: Vec<&Received> = messages.iter().filter(|m| m.to == [address(o)]).collect();
        assert_eq!(to.len(), 1, "{o}: one message");
        let data = &to[0].data;
        assert!(
            data.contains("multipart/alternative") && data.contains("text/plain") && data.contains("text/html"),
            "{data}"
        );
        for action in log.rows.iter().filter(pressing).filter(|a| a.organisation.as_ref() == Some(o)) {
            assert!(
                data.contains(&format!("https://covenant.example/dashboard/actions/{}", action.commitment)),
                "{o}: {} in {data}",
                action.commitment
            );
        }
        for action in log.rows.iter().filter(pressing).filter(|a| a.organisation.as_ref() != Some(o)) {
            assert!(
                !data.contains(&format!("/dashboard/actions/{}\n", action.commitment)),
                "{o}: not another's action {}",
                action.commitment
            );
        }
        // The audit trail of the organisation shows the reminder.
        let trail = Asked {
            trail: TrailFilters {
                stream: Some(StreamId::parse(format!("organisation-{o}")).expect("a stream")),
                actor: None,
            },
            ..Asked::default()
        };
        let ReportView::Audit(audit) = reports
            .answer(&ReportRequest::new(ReportKind::Audit, trail).expect("a request"))
            .await
            .expect("the trail")
            .view
        else {
            panic!("the audit trail");
        };
        let reminded: Vec<_> = audit.entries.iter().filter(|e| e.event_type == "OrganisationReminded").collect();
        assert_eq!(reminded.len(), 1, "{o}: one reminder in the trail");
        assert!(
            reminded[0].summary.contains(&address(o)) && reminded[0].summary.contains("2024-W23"),
            "{}",
            reminded[0].summary
        );
    }
    assert!(messages.iter().all(|m| m.to != [address(&opted_out)]), "nothing to the organisation that opted out");

    // A fresh process the same week, and later the same week, sends nothing more.
    let restarted = Reports::once(stores.clone(), Rules::default(), Unverified::Refuse);
    for day in ["2024-06-03", "2024-06-09"] {
        let again = send_due(&restarted, &recorder, &settings, date(day)).await.expect("nothing to send");
        assert!(again.is_empty(), "{day}: already reminded this week");
    }
    assert_eq!(received.lock().expect("the messages").len(), messages.len());

    // The next week each is reminded again.
    let next = send_due(&restarted, &recorder, &settings, date("2024-06-10")).await.expect("the next week's");
    assert_eq!(next.len(), sent.len());
    assert!(next.iter().all(|s| s.reminder.period == "2024-W24"));
}

async fn two_schedulers_on_one_database_send_each_contact_one_email(db: &TestStore) {
    let (_, _, organisations) = demo_with_contacts(db, date("2024-06-03")).await;
    let (port, received) = receiver().await;
    let settings = settings(port);
    // Two processes: each its own connections to the database, its own reports and recorder.
    let process = || async {
        let stores = db.stores().await;
        (Reports::once(stores.clone(), Rules::default(), Unverified::Refuse), Recorder::new(stores.events.clone()))
    };
    let ((a_reports, a_recorder), (b_reports, b_recorder)) = (process().await, process().await);

    // Monday 3 June 2024 before nine o'clock: the schedule's time this week has not come.
    let early = "2024-06-03T08:59:00Z".parse().expect("a time");
    let none = send_scheduled(&a_reports, &a_recorder, &settings, early).await.expect("nothing due yet");
    assert!(none.is_empty() && received.lock().expect("the messages").is_empty(), "nothing before the time");

    // Both wake at the time, at once.
    let due = "2024-06-03T09:00:00Z".parse().expect("a time");
    let (a, b) = tokio::join!(
        send_scheduled(&a_reports, &a_recorder, &settings, due),
        send_scheduled(&b_reports, &b_recorder, &settings, due)
    );
    let (a, b) = (a.expect("the first scheduler's"), b.expect("the second scheduler's"));
    assert_eq!(a.len() + b.len(), organisations.len(), "each contact is reminded by one of them");
    let messages = received.lock().expect("the messages").clone();
    for o in &organisations {
        assert_eq!(messages.iter().filter(|m| m.to == [address(o)]).count(), 1, "{o}: one e-mail");
    }

    // Either restarted later that week sends nothing more.
    let later = "2024-06-07T09:00:00Z".parse().expect("a time");
    let again = send_scheduled(&b_reports, &b_recorder, &settings, later).await.expect("nothing more");
    assert!(again.is_empty());
    assert_eq!(received.lock().expect("the messages").len(), organisations.len());

    // With the schedule off, nothing is sent, the next week either.
    let off = ReminderSettings { schedule: Schedule::Off, ..settings.clone() };
    let next_week = "2024-06-10T10:00:00Z".parse().expect("a time");
    assert!(send_scheduled(&a_reports, &a_recorder, &off, next_week).await.expect("off").is_empty());
}

async fn a_server_that_asks_for_a_login_is_given_it(db: &TestStore) {
    let today = date("2024-06-03");
    let (stores, recorder, organisations) = demo_with_contacts(db, today).await;
    let reports = Reports::once(stores, Rules::default(), Unverified::Refuse);
    let (port, received) = receiver().await;
    let login = SmtpLogin { user: "covenant".into(), password: "illustrative password".into() };
    let settings = ReminderSettings { login: Some(login), ..settings(port) };
    let sent = send_due(&reports, &recorder, &settings, today).await.expect("the reminders are sent");
    assert_eq!(sent.len(), organisations.len());
    let plain = base64::engine::general_purpose::STANDARD.encode("\0covenant\0illustrative password");
    for message in received.lock().expect("the messages").iter() {
        assert_eq!(message.auth.as_deref(), Some(format!("AUTH PLAIN {plain}").as_str()), "{:?}", message.to);
    }
}

async fn starttls_and_implicit_tls_trust_the_organisations_own_authority(db: &TestStore) {
    let today = date("2024-06-03");
    let (stores, recorder, organisations) = demo_with_contacts(db, today).await;
    let reports = Reports::once(stores, Rules::default(), Unverified::Refuse);
    let (authority, acceptor) = organisations_authority();
    // One week over STARTTLS, the next over implicit TLS: each week's reminders are sent once.
    for (today, security, receiving) in [
        (today, SmtpSecurity::StartTls, Security::StartTls(acceptor.clone())),
        (date("2024-06-10"), SmtpSecurity::Tls, Security::Implicit(acceptor)),
    ] {
        let (port, received) = receiver_securing(receiving).await;
        let settings = ReminderSettings {
            smtp_host: "localhost".into(),
            security,
            ca_certificate: Some(authority.clone()),
            ..settings(port)
        };
        let sent = send_due(&reports, &recorder, &settings, today).await.expect("the reminders are sent over TLS");
        assert_eq!(sent.len(), organisations.len(), "{security:?}");
        let received = received.lock().expect("the messages").clone();
        assert_eq!(received.len(), organisations.len(), "{security:?}: every reminder arrived");
        assert!(received.iter().all(|m| m.secured), "{security:?}: every reminder came over TLS");
    }
}

async fn a_certificate_no_trusted_authority_signed_is_refused(db: &TestStore) {
    let today = date("2024-06-03");
    let (stores, recorder, _) = demo_with_contacts(db, today).await;
    let reports = Reports::once(stores, Rules::default(), Unverified::Refuse);
    let (_, acceptor) = organisations_authority();
    let (port, received) = receiver_securing(Security::StartTls(acceptor)).await;
    // The Mozilla roots alone: the organisation's authority is not configured.
    let settings =
        ReminderSettings { smtp_host: "localhost".into(), security: SmtpSecurity::StartTls, ..settings(port) };
    let refused = send_due(&reports, &recorder, &settings, today).await.expect_err("the server is not trusted");
    let said = refused.to_string();
    assert!(said.contains("certificate"), "the refusal says the certificate is at fault: {said}");
    assert!(received.lock().expect("the messages").is_empty(), "nothing is sent to a server not trusted");
}
