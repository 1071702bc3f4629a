//! Board packs over HTTP (`GET /api/v1/packs/{body}`): the workbook read back with calamine has
//! typed cells (dates as dates, figures as numbers) and the figures the report routes give for
//! the same point of the record; the HTML page is one page with the same cover; the route is
//! read by the roles that read the reports, and refuses a bad day, format or body saying what to
//! give instead.

use std::io::Cursor;

use app::packs::{self, PackFormat};
use app::{Reports, Role};
use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use domain::testing::{date, key};
use lopdf::{Document, Object};
use projections::{Rules, Unverified};
use serde_json::{Value, json};
use tests::{TestStore, on_both_backends, spawn_app};

use super::answer;

on_both_backends!(
    the_workbook_has_typed_cells_and_the_reports_figures,
    the_page_and_the_refusals,
    the_pdf_is_tagged_and_holds_the_pack,
);

/// The bodies and days the demo's stories give packs something to say about.
const PACKS: [(&str, &str); 4] = [
    ("lincolnshire-health-and-wellbeing-board", "2020-12-02"),
    ("lincolnshire-health-and-wellbeing-board", "2024-06-01"),
    ("west-lindsey-prosperous-communities-committee", "2021-03-10"),
    ("bexley-health-and-wellbeing-board", "2024-06-01"),
];

fn sheet(workbook: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Range<Data> {
    workbook.worksheet_range(name).unwrap_or_else(|e| panic!("the workbook has a sheet {name}: {e}"))
}

/// The cell under `header` in data row `row` (0 is the first row below the header).
fn cell<'a>(range: &'a Range<Data>, row: usize, header: &str) -> &'a Data {
    let headers: Vec<String> = range.rows().next().expect("a header row").iter().map(|c| c.to_string()).collect();
    let col = headers.iter().position(|h| h == header).unwrap_or_else(|| panic!("a column {header}: {headers:?}"));
    range.get((row + 1, col)).unwrap_or(&Data::Empty)
}

async fn the_workbook_has_typed_cells_and_the_reports_figures(db: &TestStore) {
    let app = spawn_app(db).await;
    for story in app::seeds::stories() {
        app.load(&story).await;
    }
    let reader = app.token(Role::Reader, None).await;
    for (body, day) in PACKS {
        let response = app.get(&format!("/api/v1/packs/{body}?as_of={day}&format=xlsx"), &reader).send().await;
        let response = response.expect("get");
        assert_eq!(response.status(), 200, "{body} {day}");
        assert_eq!(
            response.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = response.bytes().await.expect("a body").to_vec();
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx workbook");
        assert_eq!(
            workbook.sheet_names(),
            ["Cover", "Exceptions", "Status", "Changes", "Indicators", "Readings", "Previous meeting"]
        );

        let cover = sheet(&mut workbook, "Cover");
        assert_eq!(cell(&cover, 0, "Body key"), &Data::String(body.to_owned()));
        let Data::DateTime(as_of) = cell(&cover, 0, "As decided by") else {
            panic!("the day is a date: {:?}", cell(&cover, 0, "As decided by"));
        };
        assert!(as_of.is_datetime());
        let Data::Float(position) = cell(&cover, 0, "Position") else { panic!("the position is a number") };
        assert_eq!(*position as u64, app.head().await, "{body} {day}: made from the head");

        // The status board the API gives for the same point: the same instruments, figures and
        // ratings, as numbers and words.
        let query = format!("body={body}&as_of={day}&position={}", *position as u64);
        let response = app.get(&format!("/api/v1/status?{query}"), &reader).send().await.expect("get");
        let board: Value = response.json().await.expect("JSON");
        let instruments = board["instruments"].as_array().expect("instruments");
        let status = sheet(&mut workbook, "Status");
        assert_eq!(status.height() - 1, instruments.len(), "{body} {day}: one row per instrument");
        assert!(!instruments.is_empty(), "{body} {day}: the body oversees instruments");
        for (row, instrument) in instruments.iter().enumerate() {
            assert_eq!(
                cell(&status, row, "Key"),
                &Data::String(instrument["instrument"].as_str().expect("key").into())
            );
            for (header, field) in [("Red", "red"), ("Amber", "amber"), ("Green", "green"), ("Not rated", "unrated")] {
                let expected = instrument["rag_mix"][field].as_f64().expect("a count");
                assert_eq!(cell(&status, row, header), &Data::Float(expected), "{body} {day} {header}");
            }
            match instrument["progress"].as_f64() {
                Some(progress) => assert_eq!(cell(&status, row, "Progress (%)"), &Data::Float(progress)),
                None => assert_eq!(cell(&status, row, "Progress (%)"), &Data::Empty),
            }
            let rag = match instrument["rag"].as_str() {
                Some(rag) => rag.to_uppercase(),
                None => "not rated".to_owned(),
            };
            assert_eq!(cell(&status, row, "RAG"), &Data::String(rag));
            let overdue = instrument["overdue"].as_array().expect("overdue").len() as f64;
            assert_eq!(cell(&status, row, "Overdue"), &Data::Float(overdue));
        }

        // The indicators, with readings as dated numbers.
        let response = app.get(&format!("/api/v1/indicators?{query}"), &reader).send().await.expect("get");
        let indicators: Value = response.json().await.expect("JSON");
        let indicators = indicators["indicators"].as_array().expect("indicators");
        let sheet_rows = sheet(&mut workbook, "Indicators");
        assert_eq!(sheet_rows.height() - 1, indicators.len(), "{body} {day}: one row per indicator");
        for (row, indicator) in indicators.iter().enumerate() {
            match indicator["latest"]["value"].as_f64() {
                Some(value) => {
                    assert_eq!(cell(&sheet_rows, row, "Latest"), &Data::Float(value));
                    assert!(matches!(cell(&sheet_rows, row, "Latest on"), Data::DateTime(_)));
                }
                None => assert_eq!(cell(&sheet_rows, row, "Latest"), &Data::Empty),
            }
        }

        // The previous meeting's resolutions are the register's at that meeting.
        let previous = sheet(&mut workbook, "Previous meeting");
        let response = app.get(&format!("/api/v1/resolutions?{query}"), &reader).send().await.expect("get");
        let register: Value = response.json().await.expect("JSON");
        for row in 0..previous.height().saturating_sub(1) {
            let key = cell(&previous, row, "Key").to_string();
            let entry =
                register["resolutions"].as_array().expect("resolutions").iter().find(|r| r["resolution"] == key);
            let entry = entry.unwrap_or_else(|| panic!("{body} {day}: {key} is in the register"));
            assert!(matches!(cell(&previous, row, "Decided on"), Data::DateTime(_)));
            assert_eq!(entry["body"], body, "{body} {day}: the body's own resolution");
        }
    }
}

async fn the_page_and_the_refusals(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&app::seeds::lincolnshire()).await;
    let reader = app.token(Role::Reader, None).await;
    let board = "lincolnshire-health-and-wellbeing-board";

    let response = app.get(&format!("/api/v1/packs/{board}?as_of=2020-12-02"), &reader).send().await.expect("get");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8", "HTML by default");
    let page = response.text().await.expect("a page");
    assert!(
        page.contains("<h1>Lincolnshire Health and Wellbeing Board: delivery report, 2 December 2020</h1>"),
        "{page}"
    );
    assert!(page.contains(&format!("position {}", app.head().await)), "the cover names the head");
    assert!(page.contains("Homes for Independence Blueprint"), "the blueprint the Board endorsed");
    assert!(!page.contains("<script"), "the page needs no script");

    let anonymous = app.client.get(app.url(&format!("/api/v1/packs/{board}?as_of=2020-12-02"))).send().await;
    assert_eq!(anonymous.expect("get").status(), 401);

    // The meeting's page links to the same pack under /dashboard, which a signed-in person follows.
    let session = app.session_of(&reader).await;
    let meeting = app.client.get(app.url("/dashboard/meetings/lincolnshire-hwb-2020-12-01")).header("cookie", &session);
    let meeting = meeting.send().await.expect("get").text().await.expect("a page");
    let pdf = format!("/dashboard/packs/{board}?as_of=2020-12-01&amp;format=pdf");
    assert!(meeting.contains(&pdf), "the meeting links to its pack as a PDF: {meeting}");
    let link = format!("/dashboard/packs/{board}?as_of=2020-12-01&amp;format=html");
    assert!(meeting.contains(&link), "the meeting links to its pack: {meeting}");
    let linked = app.client.get(app.url(&link.replace("&amp;", "&"))).header("cookie", &session).send().await;
    let linked = linked.expect("get");
    assert_eq!(linked.status(), 200);
    assert!(
        linked
            .text()
            .await
            .expect("a page")
            .contains("<h1>Lincolnshire Health and Wellbeing Board: delivery report, 1 December 2020</h1>")
    );

    let (status, _, problem) = answer(
        app.get(&format!("/api/v1/packs/{board}?as_of=2020-12-02&format=docx"), &reader).send().await.expect("get"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(problem["detail"].as_str().expect("detail").contains("html, pdf or xlsx"), "{problem}");
    let (status, _, problem) =
        answer(app.get(&format!("/api/v1/packs/{board}"), &reader).send().await.expect("get")).await;
    assert_eq!(status, 400);
    assert!(problem["detail"].as_str().expect("detail").contains("as_of=YYYY-MM-DD"), "{problem}");
    let (status, _, problem) =
        answer(app.get(&format!("/api/v1/packs/{board}?as_of=1-12-2020"), &reader).send().await.expect("get")).await;
    assert_eq!(status, 400, "{problem}");
    let (status, _, problem) =
        answer(app.get("/api/v1/packs/no-such-board?as_of=2020-12-02", &reader).send().await.expect("get")).await;
    assert_eq!(status, 404);
    assert!(problem["detail"].as_str().expect("detail").contains("no body no-such-board is on record"), "{problem}");
    // Before the Board was established, it has no pack either.
    let (status, _, _) =
        answer(app.get(&format!("/api/v1/packs/{board}?as_of=2010-01-01"), &reader).send().await.expect("get")).await;
    assert_eq!(status, 404);
}

/// The StructElem dictionaries of `pdf` whose role is `role`.
fn elements<'a>(pdf: &'a Document, role: &str) -> Vec<&'a lopdf::Dictionary> {
    pdf.objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"S").and_then(Object::as_name).is_ok_and(|s| s == role.as_bytes()))
        .collect()
}

/// A text string of a PDF dictionary (UTF-16 with a byte order mark, or PDFDocEncoding).
fn text_of(dict: &lopdf::Dictionary, key: &[u8]) -> String {
    let bytes = dict.get(key).and_then(Object::as_str).expect("a text string");
    match bytes.strip_prefix(&[0xfe, 0xff]) {
        Some(utf16) => String::from_utf16_lossy(
            &utf16.chunks(2).map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])).collect::<Vec<_>>(),
        ),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

async fn the_pdf_is_tagged_and_holds_the_pack(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&app::seeds::walsall()).await;
    // A second reading, so the indicator has a line to draw.
    let secretariat = app.token(Role::Secretariat, None).await;
    let reading = json!({"command": "record_measurement", "id": "whg-social-prescribing-referrals", "value": 441.0, "as_of": "2024-03-31"});
    let recorded = app.post("/api/v1/indicators", &secretariat, &reading).send().await.expect("post");
    assert_eq!(recorded.status(), 201);
    let reader = app.token(Role::Reader, None).await;
    let (board, day) = ("walsall-together-partnership-board", "2024-06-01");

    let response =
        app.get(&format!("/api/v1/packs/{board}?as_of={day}&format=pdf"), &reader).send().await.expect("get");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.expect("a PDF").to_vec();
    let pdf = Document::load_mem(&bytes).expect("the PDF parses");
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    assert!((2..=6).contains(&pages.len()), "a cover and a few pages of sections: {} pages", pages.len());
    for (_, page) in pdf.get_pages() {
        let media_box = pdf.get_dictionary(page).expect("a page").get(b"MediaBox").expect("a media box");
        let size: Vec<f32> =
            media_box.as_array().expect("an array").iter().map(|n| n.as_float().expect("a number")).collect();
        assert_eq!(size.iter().map(|n| n.round() as i32).collect::<Vec<_>>(), [0, 0, 595, 842], "A4");
    }

    let text = pdf.extract_text(&pages).expect("the text is extracted");
    let head = app.head().await;
    for words in [
        "Walsall Together Partnership Board",
        &format!("position {head}"),
        "Contents",
        "Exceptions",
        "Status of instruments",
        "Changes since the previous meeting",
        "Indicators",
        "Resolutions of the previous meeting",
        "whg customers referred through social prescribing",
        &format!("Page 1 of {}", pages.len()),
    ] {
        assert!(text.contains(words), "the PDF says {words:?}: {text}");
    }

    // Tagged: a structure tree with headings, tables with header cells, and the chart as a
    // figure described in words.
    let catalog = pdf.catalog().expect("a catalog");
    assert!(catalog.get(b"StructTreeRoot").is_ok(), "the PDF is tagged");
    let marked = catalog.get(b"MarkInfo").and_then(Object::as_dict).and_then(|m| m.get(b"Marked"));
    assert_eq!(marked.and_then(Object::as_bool).ok(), Some(true), "and says so");
    let headings: Vec<String> = elements(&pdf, "H2").iter().map(|h| text_of(h, b"T")).collect();
    for heading in ["Contents", "Exceptions", "Status of instruments", "Indicators"] {
        assert!(headings.iter().any(|h| h == heading), "a heading {heading}: {headings:?}");
    }
    assert!(elements(&pdf, "Table").len() >= 3, "the sections' tables are tagged as tables");
    assert!(!elements(&pdf, "TH").is_empty(), "with header cells");
    let figures: Vec<String> = elements(&pdf, "Figure").iter().map(|f| text_of(f, b"Alt")).collect();
    assert_eq!(
        figures,
        ["whg customers referred through social prescribing: 2 readings from 2023-03-31 to 2024-03-31"],
        "the chart is a figure described in words"
    );
    let metadata = String::from_utf8_lossy(&bytes);
    assert!(metadata.contains("pdfuaid:part"), "the PDF claims PDF/UA-1, which was checked as it was written");

    // The command line makes the pack with the same two calls: the same bytes for the same point.
    let reports = Reports::once(app.stores.clone(), Rules::default(), Unverified::Refuse);
    let pack = reports.pack(&key(board), date(day)).await.expect("the pack");
    assert_eq!(packs::render(&pack, PackFormat::Pdf).expect("a PDF"), bytes, "the same bytes");
}
