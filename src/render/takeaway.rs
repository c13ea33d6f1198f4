//! The takeaway sentence a deck slide is titled with: a metric's move from the previous period,
//! stated in words from the engine's values ("Net revenue retention fell 6.0 pts to 97.0%,
//! below the 110.0% target"). Only formatting happens here (`format::delta` measures the move
//! as the values are shown); which metric leads a slide, and where its values come from, is
//! `crate::site::takeaways`.

use crate::metrics::Value;
use crate::metrics::basis::{self, Basis};
use crate::metrics::catalog::{MetricDef, Unit};
use crate::render::block::Change;
use crate::render::format;
use std::cmp::Ordering;

/// What the engine says about a slide's lead metric.
#[derive(Debug, Clone)]
pub(crate) struct Reading<'a> {
    pub(crate) def: &'static MetricDef,
    /// The basis of a rate's values ("quarter"), named after the metric; none for other metrics.
    pub(crate) basis: Option<Basis>,
    /// The value of the slide's period.
    pub(crate) current: Value,
    /// The value of the period before.
    pub(crate) previous: Value,
    /// The target the value is judged against; none when there is none on the value's basis,
    /// or the value is not judged (a survey score from a small sample).
    pub(crate) target: Option<f64>,
    pub(crate) currency: &'a str,
}

/// A value as the slide's tiles show it: money short (`$21.7M`), the rest in its unit.
fn shown(def: &MetricDef, value: f64, currency: &str) -> String {
    if def.unit == Unit::Money {
        format::money_short(value, currency)
    } else {
        format::value(def, Some(value), currency)
    }
}

/// "ARR rose 4.7% to $21.7M", "NPS held at 41", "Renewal rate is 87.5%" (no previous value),
/// with the target clause when there is a target; none when the metric has no value.
pub(crate) fn sentence(r: &Reading) -> Option<String> {
    let current = r.current?;
    let value = shown(r.def, current, r.currency);
    let name = basis::named(r.def, r.basis);
    let mut text = match format::delta(r.def, Some(current), r.previous) {
        Some(d) if d.direction != Ordering::Equal => {
            format!("{name} {} {} to {value}", d.verb(), d.size)
        }
        Some(_) => format!("{name} held at {value}"),
        None => format!("{name} is {value}"),
    };
    if let Some(clause) = target_clause(r.def, current, r.target, r.currency) {
        text.push_str(", ");
        text.push_str(&clause);
    }
    Some(text)
}

/// "below the 110.0% target", "above the 90.0% target", "on the 40 target": where the value
/// stands against its target, compared as both are shown.
fn target_clause(
    def: &MetricDef,
    value: f64,
    target: Option<f64>,
    currency: &str,
) -> Option<String> {
    let target = target?;
    let side = match format::delta(def, Some(value), Some(target))?.direction {
        Ordering::Greater => "above",
        Ordering::Less => "below",
        Ordering::Equal => "on",
    };
    Some(format!(
        "{side} the {} target",
        shown(def, target, currency)
    ))
}

/// A "what changed" line as a title: "Churned MRR rose 549.7% to $45,480".
pub(crate) fn change(c: &Change) -> String {
    format!("{} {} {} to {}", c.name, c.verb, c.change, c.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::catalog;

    fn reading(id: &str, current: Value, previous: Value, target: Option<f64>) -> Reading<'static> {
        Reading {
            def: catalog::get(id).expect("catalog metric"),
            basis: None,
            current,
            previous,
            target,
            currency: "USD",
        }
    }

    #[test]
    fn a_rate_moves_in_points_and_stands_against_its_target() {
        // 103.0% to 97.0% is a 6.0-point fall; 97.0% is under 110%.
        let r = reading("nrr", Some(97.0), Some(103.0), Some(110.0));
        assert_eq!(
            sentence(&r).as_deref(),
            Some("Net revenue retention fell 6.0 pts to 97.0%, below the 110.0% target")
        );
        let r = reading("grr", Some(96.6), Some(98.5), Some(90.0));
        assert_eq!(
            sentence(&r).as_deref(),
            Some("Gross revenue retention fell 1.9 pts to 96.6%, above the 90.0% target")
        );
        // A value that shows as its target is on it.
        let r = reading("nps", Some(40.2), Some(44.0), Some(40.0));
        assert_eq!(
            sentence(&r).as_deref(),
            Some("Net Promoter Score fell 4 pts to 40, on the 40 target")
        );
    }

    #[test]
    fn a_rate_names_its_basis() {
        // A quarter's NRR has no annual target to stand against.
        let r = Reading {
            basis: Some(Basis::Quarter),
            ..reading("nrr", Some(97.0), Some(103.0), None)
        };
        assert_eq!(
            sentence(&r).as_deref(),
            Some("Net revenue retention (quarter) fell 6.0 pts to 97.0%")
        );
    }

    #[test]
    fn money_moves_relatively_and_reads_short() {
        // $20,738,000 → $21,712,000 is +4.7%.
        let r = reading("arr", Some(21_712_000.0), Some(20_738_000.0), None);
        assert_eq!(sentence(&r).as_deref(), Some("ARR rose 4.7% to $21.7M"));
    }

    #[test]
    fn no_move_holds_no_previous_is_and_no_value_is_no_sentence() {
        let r = reading("nrr", Some(97.04), Some(96.96), None);
        assert_eq!(
            sentence(&r).as_deref(),
            Some("Net revenue retention held at 97.0%")
        );
        let r = reading("renewal_rate", Some(87.5), None, None);
        assert_eq!(sentence(&r).as_deref(), Some("Renewal rate is 87.5%"));
        assert_eq!(sentence(&reading("nrr", None, Some(90.0), None)), None);
    }

    #[test]
    fn a_change_line_reads_as_a_title() {
        let c = Change {
            name: "Churned MRR".into(),
            href: String::new(),
            verb: "rose",
            change: "549.7%".into(),
            value: "$45,480".into(),
            previous: "$7,000".into(),
            status: "neutral",
            movement: "bad",
        };
        assert_eq!(change(&c), "Churned MRR rose 549.7% to $45,480");
    }
}
