//! One prepared mail of the site (`mail/index.json`) as a MIME message: the HTML with its charts
//! inline as PNG, the plain-text alternative and the report's PDF attached. Reproducible: the
//! Message-ID and the MIME boundaries come from what the message is (schedule, occurrence,
//! scope, the inputs' fingerprint), the Date is the `--now` instant, so a rerun or the outbox
//! gives the same bytes. It reads files of the site; it does not pick recipients or send.
//!
//! The tree: `multipart/mixed [ multipart/related [ multipart/alternative [ text/plain,
//! text/html ], image/png (Content-ID) ... ], application/pdf ]`.

use super::png::Rasteriser;
use super::{Mail, MailScope};
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, MultiPartKind, SinglePart};
use std::path::{Component, Path, PathBuf};

/// A message's identity: the hash that names it and the sender's domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MessageId {
    /// 16 hex digits: FNV-1a over the schedule, the occurrence, the scope and the fingerprint.
    hash: String,
    domain: String,
}

impl MessageId {
    /// The id of the message of `schedule`'s `occurrence` for `scope`, built from inputs with
    /// `fingerprint`, sent from `from`'s domain.
    pub(crate) fn new(
        schedule: &str,
        occurrence: DateTime<Utc>,
        scope: &MailScope,
        fingerprint: &str,
        from: &Mailbox,
    ) -> MessageId {
        let mut h = crate::files::Fnv::new();
        let scope = serde_json::to_string(scope).unwrap_or_default();
        let occurrence = occurrence.to_rfc3339();
        for part in [schedule, occurrence.as_str(), scope.as_str(), fingerprint] {
            h.write(part.as_bytes());
            h.write(&[0]);
        }
        let hash = h.finish();
        MessageId {
            hash: hash.trim_start_matches("fnv1a64:").to_string(),
            domain: from.email.domain().to_string(),
        }
    }

    /// The Message-ID header's value: `<postsale.0123456789abcdef@example.com>`.
    pub(crate) fn header(&self) -> String {
        format!("<postsale.{}@{}>", self.hash, self.domain)
    }

    /// A MIME boundary for the `kind` part: the hash makes it unique to the message.
    fn boundary(&self, kind: &str) -> String {
        format!("postsale_{kind}_{}", self.hash)
    }
}

/// Who a message goes to, and when and as what it is sent.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub id: MessageId,
    /// The Date header: the run's `--now`.
    pub date: DateTime<Utc>,
}

/// Parses a mailbox (`Name <address>` or a bare address) of the recipients or the sender.
pub(crate) fn mailbox(text: &str) -> Result<Mailbox, String> {
    text.parse::<Mailbox>()
        .map_err(|e| format!("`{text}` is not an e-mail address: {e}"))
}

/// The message of `mail`, read from the `site` folder: the HTML with every image's `src`
/// pointing at its inline PNG (drawn by `png`), the text alternative and the PDF.
pub(crate) fn compose(
    site: &Path,
    mail: &Mail,
    envelope: &Envelope,
    png: &Rasteriser,
) -> Result<Message, String> {
    let mut html = read_text(site, &mail.html)?;
    let text = read_text(site, &mail.text)?;
    let mut images = Vec::new();
    for image in &mail.images {
        // The attribute as written, or HTML-escaped (`&#x2F;` for `/`, as Tera writes it).
        let quoted = format!("src=\"{}\"", image.src);
        let escaped = format!("src=\"{}\"", tera::escape_html(&image.src));
        if !html.contains(&quoted) && !html.contains(&escaped) {
            return Err(format!(
                "{} has no image with {quoted} (rebuild the site)",
                mail.html
            ));
        }
        let cid = format!("src=\"cid:{}\"", image.cid);
        html = html.replace(&quoted, &cid).replace(&escaped, &cid);
        let svg = read(site, &image.svg)?;
        let bytes = png
            .png(&svg, image.width)
            .map_err(|e| format!("failed to draw {}: {e}", image.svg))?;
        let name = Path::new(&image.svg)
            .file_stem()
            .map(|s| format!("{}.png", s.to_string_lossy()))
            .unwrap_or_else(|| "chart.png".into());
        images.push(
            Attachment::new_inline_with_name(image.cid.clone(), name).body(
                bytes,
                ContentType::parse("image/png").map_err(|e| e.to_string())?,
            ),
        );
    }
    let id = &envelope.id;
    let alternative = multipart(MultiPartKind::Alternative, id, "alternative")
        .singlepart(SinglePart::plain(text))
        .singlepart(SinglePart::html(html));
    let mut related = multipart(MultiPartKind::Related, id, "related").multipart(alternative);
    for image in images {
        related = related.singlepart(image);
    }
    let mut mixed = multipart(MultiPartKind::Mixed, id, "mixed").multipart(related);
    if let Some(pdf) = &mail.pdf {
        let bytes = read(site, pdf)?;
        mixed = mixed.singlepart(Attachment::new(pdf.replace('/', "-")).body(
            bytes,
            ContentType::parse("application/pdf").map_err(|e| e.to_string())?,
        ));
    }
    let mut builder = Message::builder()
        .from(envelope.from.clone())
        .subject(mail.subject.clone())
        .message_id(Some(id.header()))
        .date(envelope.date.into())
        // RFC 3834: no vacation or out-of-office replies to a report.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ));
    for to in &envelope.to {
        builder = builder.to(to.clone());
    }
    for cc in &envelope.cc {
        builder = builder.cc(cc.clone());
    }
    builder.multipart(mixed).map_err(|e| e.to_string())
}

/// A multipart of `kind` with a boundary of the message's own.
fn multipart(kind: MultiPartKind, id: &MessageId, name: &str) -> lettre::message::MultiPartBuilder {
    MultiPart::builder().kind(kind).boundary(id.boundary(name))
}

/// The path of the site-relative file `rel`: no absolute path, no `..`, so an index cannot
/// attach a file from outside the site.
fn site_path(site: &Path, rel: &str) -> Result<PathBuf, String> {
    let path = Path::new(rel);
    if rel.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!(
            "`{rel}` in mail/index.json is not a path inside the site"
        ));
    }
    Ok(site.join(path))
}

fn read(site: &Path, rel: &str) -> Result<Vec<u8>, String> {
    let path = site_path(site, rel)?;
    std::fs::read(&path).map_err(|e| format!("failed to read {}: {e}", path.display()))
}

fn read_text(site: &Path, rel: &str) -> Result<String, String> {
    String::from_utf8(read(site, rel)?).map_err(|_| format!("{rel} is not UTF-8 text"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::delivery::MailImage;
    use chrono::TimeZone;

    /// A site with the theme's fonts, one chart, a mail's HTML and text and a PDF.
    pub(crate) fn site() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let fonts = root.join(crate::site::pdf::FONTS_DIR);
        std::fs::create_dir_all(&fonts).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("themes/default/fonts/LiberationSans-Regular.ttf"),
            fonts.join("LiberationSans-Regular.ttf"),
        )
        .unwrap();
        std::fs::create_dir_all(root.join("weekly/2026-W43")).unwrap();
        std::fs::create_dir_all(root.join("mail")).unwrap();
        std::fs::write(
            root.join("weekly/2026-W43/chart-1.svg"),
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50" viewBox="0 0 200 50" font-family="sans-serif"><text x="5" y="30">NRR 104%</text></svg>"##,
        )
        .unwrap();
        std::fs::write(
            root.join("mail/weekly.html"),
            "<html><body><h1>Weekly</h1><img src=\"..&#x2F;weekly&#x2F;2026-W43&#x2F;chart-1.svg\" width=\"200\" alt=\"NRR\"></body></html>\n",
        )
        .unwrap();
        std::fs::write(root.join("mail/weekly.txt"), "Weekly\nNRR 104%\n").unwrap();
        std::fs::write(root.join("weekly/2026-W43.pdf"), b"%PDF-1.7\n%%EOF\n").unwrap();
        tmp
    }

    /// The weekly mail of `site()`.
    pub(crate) fn weekly() -> Mail {
        Mail {
            report: "weekly".into(),
            scope: MailScope::Company,
            subject: "Weekly review 2026-W43".into(),
            html: "mail/weekly.html".into(),
            text: "mail/weekly.txt".into(),
            images: vec![MailImage {
                src: "../weekly/2026-W43/chart-1.svg".into(),
                svg: "weekly/2026-W43/chart-1.svg".into(),
                cid: "weekly-chart-1@postsale".into(),
                width: 200,
            }],
            pdf: Some("weekly/2026-W43.pdf".into()),
            page: "weekly/2026-W43.html".into(),
            empty: false,
        }
    }

    fn envelope() -> Envelope {
        let from = mailbox("Example CS <cs-reports@example.com>").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 2, 7, 5, 0).unwrap();
        Envelope {
            id: MessageId::new("weekly", now, &MailScope::Company, "fnv1a64:0", &from),
            from,
            to: vec![mailbox("vp@example.com").unwrap()],
            cc: vec![mailbox("Ana Lima <ana@example.com>").unwrap()],
            date: now,
        }
    }

    #[test]
    fn a_mail_becomes_html_text_inline_png_and_the_pdf() {
        let site = site();
        let png = Rasteriser::new(site.path(), site.path()).unwrap();
        let message = compose(site.path(), &weekly(), &envelope(), &png).unwrap();
        let bytes = message.formatted();
        let text = String::from_utf8_lossy(&bytes);
        for expected in [
            "From: \"Example CS\" <cs-reports@example.com>",
            "To: vp@example.com",
            "Cc: \"Ana Lima\" <ana@example.com>",
            "Subject: Weekly review 2026-W43",
            "Auto-Submitted: auto-generated",
            "Date: Mon, 02 Nov 2026 07:05:00 +0000",
            "Content-Type: multipart/mixed;",
            "Content-Type: multipart/related;",
            "Content-Type: multipart/alternative;",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Type: text/html; charset=utf-8",
            "Content-ID: <weekly-chart-1@postsale>",
            "Content-Type: image/png",
            "Content-Disposition: attachment; filename=\"weekly-2026-W43.pdf\"",
            "src=3D\"cid:weekly-chart-1@postsale\"",
        ] {
            assert!(text.contains(expected), "{expected} missing in\n{text}");
        }
        assert!(!text.contains("chart-1.svg"), "{text}");
        let id = envelope().id.header();
        assert!(
            id.starts_with("<postsale.") && id.ends_with("@example.com>"),
            "{id}"
        );
        assert!(text.contains(&format!("Message-ID: {id}")), "{text}");
        // The same mail and envelope, the same bytes (boundaries included).
        assert_eq!(
            bytes,
            compose(site.path(), &weekly(), &envelope(), &png)
                .unwrap()
                .formatted()
        );
    }

    #[test]
    fn the_message_id_names_the_schedule_occurrence_scope_and_inputs() {
        let from = mailbox("cs@example.com").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 7, 5, 0).unwrap();
        let id = |s: &str, at, scope: &MailScope, f: &str| MessageId::new(s, at, scope, f, &from);
        let a = id("weekly", at, &MailScope::Company, "fnv1a64:1");
        assert_eq!(a, id("weekly", at, &MailScope::Company, "fnv1a64:1"));
        assert_ne!(a, id("monday", at, &MailScope::Company, "fnv1a64:1"));
        assert_ne!(
            a,
            id(
                "weekly",
                at + chrono::Duration::days(7),
                &MailScope::Company,
                "fnv1a64:1"
            )
        );
        assert_ne!(
            a,
            id("weekly", at, &MailScope::Csm("C01".into()), "fnv1a64:1")
        );
        assert_ne!(a, id("weekly", at, &MailScope::Company, "fnv1a64:2"));
    }

    #[test]
    fn a_mail_whose_files_do_not_match_is_an_error() {
        let site = site();
        let png = Rasteriser::new(site.path(), site.path()).unwrap();
        let mut mail = weekly();
        mail.images[0].src = "chart-9.svg".into();
        let err = compose(site.path(), &mail, &envelope(), &png).unwrap_err();
        assert_eq!(
            err,
            "mail/weekly.html has no image with src=\"chart-9.svg\" (rebuild the site)"
        );
        let mut mail = weekly();
        mail.pdf = Some("../secrets.pdf".into());
        let err = compose(site.path(), &mail, &envelope(), &png).unwrap_err();
        assert_eq!(
            err,
            "`../secrets.pdf` in mail/index.json is not a path inside the site"
        );
        let mut mail = weekly();
        mail.text = "mail/missing.txt".into();
        let err = compose(site.path(), &mail, &envelope(), &png).unwrap_err();
        assert!(
            err.starts_with("failed to read ") && err.contains("missing.txt"),
            "{err}"
        );
        assert!(
            mailbox("not an address")
                .unwrap_err()
                .starts_with("`not an address` is not an e-mail address")
        );
    }
}
