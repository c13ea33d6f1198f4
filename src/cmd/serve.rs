//! `postsale serve`: builds the site into the output folder (as `postsale build` does), serves it
//! on 127.0.0.1, rebuilds what a change needs and reloads the open pages. Prints one line per
//! rebuild; failed rebuilds print their problems as `build` does and keep the previous site.

use crate::site::serve::{self, Event, Options};
use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr};

/// Arguments of `postsale serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The port to listen on; 0 picks a free one (the printed URL says which).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// The address to listen on. Anything but 127.0.0.1 shows the site (your customers' data)
    /// to other machines.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// What to build, as `postsale build` takes it: the site is built into `--out` and served
    /// from there.
    #[command(flatten)]
    pub build: super::build::Target,
}

/// Serves until the process is stopped.
pub fn run(args: Args) -> anyhow::Result<()> {
    if !args.bind.is_loopback() {
        eprintln!(
            "warning: listening on {}: other machines can read the site, and with it your \
             customers' data",
            args.bind
        );
    }
    let _claim = args.build.claim()?;
    let options = Options {
        bind: args.bind,
        port: args.port,
        as_of: args.build.as_of,
        today: super::metrics::today(),
        out: args.build.out,
        progress: std::io::stderr().is_terminal(),
        pdf: !args.build.no_pdf,
    };
    if !args.build.no_pdf {
        let typst = crate::config::load(&args.build.project)
            .ok()
            .and_then(|c| c.typst);
        if let Err(message) = crate::site::pdf::find(typst.as_deref(), &args.build.project) {
            eprintln!("warning: {message}; serving the HTML site and the Typst sources only");
        }
    }
    serve::run(&args.build.project, &options, &mut print)
}

/// One line per event: the summary to stdout, problems to stderr.
fn print(event: Event) {
    match event {
        Event::Built {
            summary,
            out,
            as_of,
            seconds,
        } => println!(
            "built {} pages ({} files, {:.1} MB) into {} in {seconds:.2} s (as of {as_of})",
            summary.pages,
            summary.files,
            summary.bytes as f64 / 1_000_000.0,
            out.display(),
        ),
        Event::Serving { out, url } => {
            println!("serving {} at {url} (Ctrl+C to stop)", out.display())
        }
        Event::Rebuilt {
            change,
            plan,
            pages,
            seconds,
        } => {
            let (redone, kept) = plan.describe();
            let kept = if kept.is_empty() {
                kept
            } else {
                format!(" ({kept})")
            };
            println!("{change} → {redone}, rebuilt {pages} pages in {seconds:.1} s{kept}");
        }
        Event::Failed { change, error } => {
            eprintln!("{}", super::render_error(error));
            match change {
                Some(change) => {
                    eprintln!("{change} → build failed; still serving the previous site")
                }
                None => eprintln!(
                    "the first build failed; serving what the output folder holds until a \
                     change fixes it"
                ),
            }
        }
        Event::Warning(text) => eprintln!("warning: {text}"),
    }
}
