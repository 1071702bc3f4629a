//! A board pack laid out as a document: one printable HTML page (`html`), a tagged PDF on A4
//! (`pdf`) or a workbook with a sheet per section (`xlsx`). The pack itself is [`crate::reports::Pack`], made by
//! [`crate::Reports::pack`]; the command line, the HTTP API and the dashboard ask for it and
//! hand back what [`render`] writes.

mod chart;
mod html;
mod pdf;
mod words;
mod xlsx;

use crate::reports::Pack;

/// The formats a pack is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackFormat {
    Html,
    Pdf,
    Xlsx,
}

impl PackFormat {
    /// The format named `name`, as `--format` and `?format=` give it.
    pub fn parse(name: &str) -> Result<Self, UnknownPackFormat> {
        match name {
            "html" => Ok(PackFormat::Html),
            "pdf" => Ok(PackFormat::Pdf),
            "xlsx" => Ok(PackFormat::Xlsx),
            other => Err(UnknownPackFormat(other.to_owned())),
        }
    }

    /// The media type of a pack in this format.
    pub fn media_type(self) -> &'static str {
        match self {
            PackFormat::Html => "text/html; charset=utf-8",
            PackFormat::Pdf => "application/pdf",
            PackFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The extension of a file holding a pack in this format.
    pub fn extension(self) -> &'static str {
        match self {
            PackFormat::Html => "html",
            PackFormat::Pdf => "pdf",
            PackFormat::Xlsx => "xlsx",
        }
    }
}

/// A format name no pack is written in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a pack is written as html, pdf or xlsx, not {0:?}: give one of those")]
pub struct UnknownPackFormat(pub String);

/// Why a pack could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PackUnwritable {
    #[error("failed to write the workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    #[error(transparent)]
    Pdf(#[from] pdf::PdfUnwritable),
}

/// The pack written in `format`.
pub fn render(pack: &Pack, format: PackFormat) -> Result<Vec<u8>, PackUnwritable> {
    match format {
        PackFormat::Html => Ok(html::render(pack)),
        PackFormat::Pdf => Ok(pdf::render(pack)?),
        PackFormat::Xlsx => Ok(xlsx::render(pack)?),
    }
}
