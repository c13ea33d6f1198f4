//! Every catalog metric in plain words: what it counts, said without the formula, and why a
//! customer-success team watches it. Metric pages and the Definitions page show these beside the
//! formula. Keyed by metric id; the catalog (`super::catalog`) keeps the definitions as data and
//! knows nothing of these texts.

use crate::config::Config;
use serde::Serialize;

/// A metric's plain-language definition and the reason it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Explain {
    /// What the number is, in everyday words.
    pub plain: &'static str,
    /// Why it matters: the decision or the risk it informs.
    pub why: &'static str,
}

/// The plain-language text of metric `id`, if it is a catalog metric.
pub(crate) fn explain(id: &str) -> Option<Explain> {
    TEXTS
        .iter()
        .find(|(key, _, _)| *key == id)
        .map(|(_, plain, why)| Explain { plain, why })
}

/// The footnote wherever metric `id` is shown, if it needs one: the LTV family states its
/// lifetime cap ("Customer lifetime capped at 5 years.").
pub(crate) fn footnote(id: &str, config: &Config) -> Option<String> {
    if !matches!(id, "ltv" | "ltv_simple" | "ltv_cac_ratio") {
        return None;
    }
    let years = config.ltv.max_lifetime_years;
    let unit = if years == 1.0 { "year" } else { "years" };
    Some(format!("Customer lifetime capped at {years} {unit}."))
}

/// (metric id, plain definition, why it matters), in catalog order.
const TEXTS: &[(&str, &str, &str)] = &[
    (
        "mrr",
        "The subscription revenue customers pay per month, as of the period's last month.",
        "It is the base every other revenue number grows or shrinks from.",
    ),
    (
        "arr",
        "Monthly recurring revenue times twelve: what the current customers pay per year.",
        "The headline size of the business, and the amount customer success keeps and grows.",
    ),
    (
        "arpa",
        "The average annual revenue of a paying account: ARR divided by the accounts paying.",
        "Shows whether the typical customer is getting bigger or smaller, and feeds lifetime value.",
    ),
    (
        "active_accounts",
        "How many accounts paid something in the period's last month.",
        "The count of customers to look after; revenue per account and churn rates divide by it.",
    ),
    (
        "starting_mrr",
        "The monthly revenue just before the period began.",
        "The starting line the period's gains and losses are measured against.",
    ),
    (
        "new_mrr",
        "Monthly revenue from accounts paying for the first time in the period.",
        "Growth from new logos: what sales adds before customer success takes over.",
    ),
    (
        "reactivation_mrr",
        "Monthly revenue from former customers who started paying again in the period.",
        "Win-backs: proof that a lost customer can be brought back.",
    ),
    (
        "expansion_mrr",
        "Extra monthly revenue from existing customers who pay more than the month before.",
        "Growth from the customers you already have, the cheapest growth there is.",
    ),
    (
        "contraction_mrr",
        "Monthly revenue lost from customers who still pay, but less than before.",
        "Downgrades often come before a full churn: an early warning.",
    ),
    (
        "churned_mrr",
        "Monthly revenue lost from customers who stopped paying in the period.",
        "The revenue that walked out; every point of it must be replaced before growing.",
    ),
    (
        "nrr",
        "Of every dollar the starting customers paid, how many they pay now, with upgrades, \
         downgrades and losses counted.",
        "Above 100 % the customer base grows on its own; it is the number investors ask for first.",
    ),
    (
        "grr",
        "Of every dollar the starting customers paid, how much is kept, counting losses and \
         downgrades but no upgrades.",
        "Measures the leaks alone: it cannot be hidden by a few large expansions.",
    ),
    (
        "logo_churn_rate",
        "The share of the starting customers who stopped paying during the period.",
        "Counts customers, not dollars: many small losses show here before they show in revenue.",
    ),
    (
        "logo_retention_rate",
        "The share of the starting customers who still pay at the period's end.",
        "The same story as logo churn, told as the customers kept.",
    ),
    (
        "revenue_churn_rate",
        "The share of the starting customers' revenue lost to churn and downgrades.",
        "The revenue side of churn; its annual figure sets the lifetime in LTV.",
    ),
    (
        "logo_churn_rate_annualised",
        "The period's logo churn rate scaled to a year, as if it went on at the same pace.",
        "Lets a month or a quarter be compared with annual benchmarks and targets.",
    ),
    (
        "revenue_churn_rate_annualised",
        "The period's revenue churn rate scaled to a year, as if it went on at the same pace.",
        "Lets a short period's losses be compared with annual benchmarks and targets.",
    ),
    (
        "ltv",
        "The gross profit an average customer brings over their whole life with you; the \
         lifetime is capped (5 years by default) so that low churn does not make it endless.",
        "Sets how much you can afford to spend winning and keeping a customer.",
    ),
    (
        "ltv_simple",
        "The revenue (not profit) an average customer brings over their expected lifetime, capped \
         like LTV.",
        "A quick version of LTV from logo churn, for comparing segments.",
    ),
    (
        "ltv_cac_ratio",
        "How many times a customer's lifetime value repays what it cost to acquire them.",
        "Below 1 each new customer loses money; 3 or more is the usual mark of a healthy model.",
    ),
    (
        "expansion_rate",
        "The share of the starting customers who pay more at the period's end than at its start.",
        "Shows how broadly customers grow, not just how much a few of them spend.",
    ),
    (
        "acv_growth",
        "How much the average annual revenue per account changed over the last year.",
        "Rising contract values mean customers buy more or you move up-market.",
    ),
    (
        "land_expand_ratio",
        "How many times more a customer pays in their 24th month than in their first.",
        "Tells whether small first deals grow into large accounts over two years.",
    ),
    (
        "health_score_avg",
        "The average health score (0–100) of the paying accounts with a score.",
        "A single gauge of how the customer base is doing before renewals say so.",
    ),
    (
        "health_green_pct",
        "The share of scored paying accounts in the green (healthy) band.",
        "The larger it is, the fewer accounts need rescuing.",
    ),
    (
        "health_yellow_pct",
        "The share of scored paying accounts in the yellow (watch) band.",
        "Yellow accounts can still be turned around cheaply: the best place to spend time.",
    ),
    (
        "health_red_pct",
        "The share of scored paying accounts in the red (at-risk) band.",
        "Red accounts are the likeliest to churn; this is the rescue workload.",
    ),
    (
        "health_green_arr_pct",
        "The share of revenue held by accounts in green health.",
        "Weighs health by money: a few large healthy accounts count for more.",
    ),
    (
        "health_yellow_arr_pct",
        "The share of revenue held by accounts in yellow health.",
        "Revenue that could go either way.",
    ),
    (
        "health_red_arr_pct",
        "The share of revenue held by accounts in red health.",
        "The revenue most exposed to churn.",
    ),
    (
        "health_significant_drops",
        "How many accounts' health fell sharply (10 points by default) during the period.",
        "A sudden drop is the earliest warning a customer is in trouble.",
    ),
    (
        "dau_mau",
        "Daily users as a share of monthly users: how often the people who use the product come \
         back.",
        "Sticky products are hard to cancel; falling stickiness comes before churn.",
    ),
    (
        "active_seat_pct",
        "The share of paid seats used in the month.",
        "Unused seats get cut at renewal; full seats invite an upsell.",
    ),
    (
        "feature_adoption_pct",
        "The share of the features available to customers that they actually use.",
        "Customers who use more of the product get more value and stay longer.",
    ),
    (
        "usage_decline_pct",
        "The share of measured accounts whose stickiness fell by 30 % or more over 60 days.",
        "A usage slump is a churn signal months before the renewal.",
    ),
    (
        "time_to_first_login_days",
        "The typical number of days from signing to the customer's first login.",
        "A slow start delays value and lowers the odds of a renewal.",
    ),
    (
        "time_to_onboarded_days",
        "The typical number of days from signing to finishing onboarding.",
        "Shorter onboarding means customers reach value sooner.",
    ),
    (
        "time_to_value_days",
        "The typical number of days from signing to the customer's first real result.",
        "The sooner a customer sees value, the likelier they renew and grow.",
    ),
    (
        "renewals_due",
        "How many renewals fall due in the period.",
        "The renewal workload the team must get through.",
    ),
    (
        "renewals_due_arr",
        "The annual revenue of the renewals that fall due in the period.",
        "The revenue at stake: what could be kept or lost in the period.",
    ),
    (
        "renewals_open",
        "Renewals due in the period that are not yet closed.",
        "Work still to do; open renewals near their date need attention now.",
    ),
    (
        "renewal_rate",
        "Of the renewals due and decided in the period, the share that renewed.",
        "The plainest measure of whether customers choose to stay.",
    ),
    (
        "renewal_gdr",
        "Of the revenue up for renewal and decided, the share kept, without upsells.",
        "Shows how much revenue is kept at the moment customers decide.",
    ),
    (
        "renewal_nrr",
        "Of the revenue up for renewal and decided, the share kept plus what was added.",
        "Shows whether renewals are a chance to grow, not just to hold on.",
    ),
    (
        "renewal_forecast_arr",
        "The revenue expected to renew: what has renewed, plus each open renewal weighted by \
         its chance.",
        "Tells finance what to plan on before the renewals close.",
    ),
    (
        "renewal_forecast_retention",
        "The forecast renewed revenue as a share of the revenue due.",
        "An early read of the period's retention, while it can still be changed.",
    ),
    (
        "pipeline_coverage",
        "How much of the renewal target the forecast covers.",
        "Below 100 % the target will be missed unless more renewals are won.",
    ),
    (
        "save_rate",
        "Of the at-risk renewals that closed, the share that renewed anyway.",
        "Measures how well the team rescues customers who were about to leave.",
    ),
    (
        "arr_save_rate",
        "Of the revenue in at-risk renewals that closed, the share that was kept.",
        "The rescue rate in money: saving the large accounts counts most.",
    ),
    (
        "escalation_rate",
        "The share of renewals due in the period that were escalated.",
        "Many escalations mean renewals go wrong late, when fixing them costs most.",
    ),
    (
        "early_renewal_rate",
        "The share of won renewals signed well before their due date (30 days by default).",
        "Early renewals remove risk and free the team for the hard cases.",
    ),
    (
        "avg_days_early",
        "On average, how many days before the due date early renewals were signed.",
        "Shows how far ahead the team gets on its renewals.",
    ),
    (
        "multi_year_rate",
        "The share of won renewals signed for more than a year.",
        "Multi-year terms lock in revenue and cut the renewal workload.",
    ),
    (
        "expansion_at_renewal_rate",
        "The share of won renewals that also grew the contract.",
        "Shows whether renewals are used to sell more.",
    ),
    (
        "avg_expansion_arr",
        "The average extra annual revenue of renewals that grew.",
        "The size of the typical upsell at renewal.",
    ),
    (
        "avg_discount_pct",
        "The average discount given on won renewals.",
        "Deep discounts buy renewals at the cost of revenue; over 15 % is a warning sign.",
    ),
    (
        "save_discount_pct",
        "The average discount given to rescue at-risk renewals.",
        "Shows what saving a customer costs.",
    ),
    (
        "days_to_close",
        "The average number of days from the first renewal conversation to the decision.",
        "Long cycles tie up the team and leave revenue uncertain for longer.",
    ),
    (
        "proposal_to_signature_days",
        "The average number of days from sending the renewal proposal to the signature.",
        "Delays after the proposal often hide objections on price or value.",
    ),
    (
        "touchpoints_to_close",
        "The average number of completed contacts between first outreach and the decision.",
        "Shows how much effort a renewal takes.",
    ),
    (
        "forecast_accuracy_30d",
        "The revenue that actually renewed as a share of what was forecast 30 days before.",
        "Near 100 % the forecast can be trusted for planning.",
    ),
    (
        "forecast_accuracy_start",
        "The revenue that actually renewed as a share of what was forecast when the period began.",
        "Shows how far the forecast can be trusted at the start of a period.",
    ),
    (
        "at_risk_accounts",
        "Accounts with an open renewal flagged at risk, or in red health with a renewal in the \
         next 180 days.",
        "The list leadership reviews: where intervention can still save revenue.",
    ),
    (
        "at_risk_arr",
        "The annual revenue of the renewals of the at-risk accounts.",
        "The money on the line if nothing changes.",
    ),
    (
        "expansion_pipeline_arr",
        "The annual revenue of the open upsell and cross-sell opportunities.",
        "Tomorrow's expansion revenue, if the deals close.",
    ),
    (
        "expansion_pipeline_count",
        "How many upsell and cross-sell opportunities are open.",
        "The number of growth conversations under way.",
    ),
    (
        "expansion_deal_size",
        "The average annual revenue of an open expansion opportunity.",
        "Shows whether the team pursues a few large deals or many small ones.",
    ),
    (
        "expansion_close_rate",
        "Of the expansion opportunities decided in the period, the share won.",
        "Tells how much of the pipeline turns into revenue.",
    ),
    (
        "expansion_days_to_close",
        "The average number of days from opening an expansion opportunity to winning it.",
        "Shows how long it takes for pipeline to become revenue.",
    ),
    (
        "expansion_won_arr",
        "The annual revenue of the expansion opportunities won in the period.",
        "The growth customer success delivered from existing customers.",
    ),
    (
        "activity_completion_pct",
        "The share of planned customer activities (calls, meetings, reviews) that took place.",
        "Missed and cancelled meetings are lost chances to find problems early.",
    ),
    (
        "proactive_share_pct",
        "The share of the team's customer time spent on planned, proactive work rather than \
         reacting to problems.",
        "Proactive teams prevent churn instead of fighting it; 70 % or more is the aim.",
    ),
    (
        "activities_completed",
        "How many customer activities were completed in the period.",
        "The volume of customer contact behind every other number.",
    ),
    (
        "accounts_not_contacted_60d",
        "Paying accounts nobody has completed an activity with in 60 days or more.",
        "Silent accounts churn without warning; each one needs a call.",
    ),
    (
        "accounts_not_contacted_60d_pct",
        "The share of paying accounts with no completed activity in 60 days or more.",
        "Shows how much of the book is going unattended.",
    ),
    (
        "qbr_completion_pct",
        "The share of paying accounts that have had a business review this quarter.",
        "Business reviews prove value to the buyer before the renewal decision.",
    ),
    (
        "tasks_overdue",
        "Open tasks past their due date.",
        "Promises to customers that are late.",
    ),
    (
        "tasks_due_today",
        "Open tasks due today.",
        "Today's to-do list.",
    ),
    (
        "tasks_due_this_week",
        "Open tasks due later this week.",
        "What is coming up, so the week can be planned.",
    ),
    (
        "tickets_opened",
        "How many support tickets customers opened in the period.",
        "Rising ticket volume can mean product trouble or a customer in difficulty.",
    ),
    (
        "first_response_hours",
        "The typical number of hours before a new support ticket gets its first answer.",
        "Slow first answers frustrate customers more than slow fixes.",
    ),
    (
        "resolution_hours",
        "The typical number of hours from opening a support ticket to resolving it.",
        "Long waits for fixes wear down customers' patience and health.",
    ),
    (
        "ticket_escalation_rate",
        "The share of support tickets that were escalated.",
        "Frequent escalations point to problems the front line cannot solve.",
    ),
    (
        "ticket_reopen_rate",
        "The share of support tickets reopened after being marked resolved.",
        "Reopened tickets mean problems were not really fixed.",
    ),
    (
        "ticket_spike_accounts",
        "Accounts whose support tickets in the last 30 days doubled against their usual level.",
        "A sudden burst of tickets is often the first sign of an unhappy customer.",
    ),
    (
        "nps",
        "Promoters (scores 9–10) minus detractors (0–6), as a share of the answers, from −100 to \
         100.",
        "Loyalty in one number: promoters renew and refer, detractors leave and warn others.",
    ),
    (
        "csat",
        "The average satisfaction score (1–5) customers gave after an interaction.",
        "Shows how each support or service interaction lands.",
    ),
    (
        "csat_satisfied_pct",
        "The share of satisfaction answers scoring 4 or 5.",
        "The share of customers left happy by an interaction.",
    ),
    (
        "ces",
        "The average customer effort score (1–7): how easy customers found it to get things done.",
        "Customers who find you hard work leave, even when satisfied.",
    ),
    (
        "survey_response_rate",
        "The share of surveys sent that customers answered.",
        "Few answers make survey scores unreliable and may mean customers have disengaged.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::catalog::CATALOG;
    use std::collections::BTreeSet;

    #[test]
    fn every_catalog_metric_is_explained_and_nothing_else() {
        let missing: Vec<&str> = CATALOG
            .iter()
            .map(|m| m.id)
            .filter(|id| explain(id).is_none())
            .collect();
        assert_eq!(
            missing,
            Vec::<&str>::new(),
            "catalog metrics without a text"
        );
        let catalog: BTreeSet<&str> = CATALOG.iter().map(|m| m.id).collect();
        let stray: Vec<&str> = TEXTS
            .iter()
            .map(|(id, _, _)| *id)
            .filter(|id| !catalog.contains(id))
            .collect();
        assert_eq!(stray, Vec::<&str>::new(), "texts for no catalog metric");
        let ids: BTreeSet<&str> = TEXTS.iter().map(|(id, _, _)| *id).collect();
        assert_eq!(ids.len(), TEXTS.len(), "an id explained twice");
    }

    #[test]
    fn texts_are_sentences_without_the_formula() {
        for (id, plain, why) in TEXTS {
            for text in [plain, why] {
                assert!(text.ends_with('.'), "{id}: {text}");
                assert!(
                    text.chars().next().is_some_and(char::is_uppercase),
                    "{id}: {text}"
                );
                // Plain words: no formula symbols, no column names.
                assert!(
                    !text.contains('Σ') && !text.contains('_') && !text.contains(" × "),
                    "{id}: {text}"
                );
            }
        }
        assert_eq!(
            explain("nrr").map(|e| e.why),
            Some(
                "Above 100 % the customer base grows on its own; it is the number investors ask for first."
            )
        );
        assert_eq!(explain("no_such_metric"), None);
    }

    #[test]
    fn the_ltv_family_names_its_lifetime_cap() {
        let mut config = Config::default();
        assert_eq!(
            footnote("ltv", &config).as_deref(),
            Some("Customer lifetime capped at 5 years.")
        );
        config.ltv.max_lifetime_years = 2.5;
        assert_eq!(
            footnote("ltv_cac_ratio", &config).as_deref(),
            Some("Customer lifetime capped at 2.5 years.")
        );
        config.ltv.max_lifetime_years = 1.0;
        assert_eq!(
            footnote("ltv_simple", &config).as_deref(),
            Some("Customer lifetime capped at 1 year.")
        );
        assert_eq!(footnote("nrr", &config), None);
    }
}
