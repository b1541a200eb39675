//! Figures about small groups of parents that give nobody away.
//!
//! Two rules, used everywhere a figure is shown or exported:
//! - **Small-cell suppression.** No figure comes from fewer than
//!   [`MinCell`] parents (a setting, 5 unless changed, never below 3).
//! - **Complementary suppression.** When parts add up to a whole that is
//!   shown (cohorts to the total, answers to everyone who answered), one
//!   hidden part could be worked out from the whole and the others; so
//!   [`protect`] hides more parts until the hidden ones together are at
//!   least the minimum, or hides the whole too.
//!
//! And paired change for a measure answered at the start and the end:
//! [`paired_change`] gives the number of pairs, the means before and after,
//! the mean change with its 95% interval (Student's t), the paired effect
//! size (Cohen's d_z: mean change over the standard deviation of the
//! changes) and the share of parents who improved by a stated threshold.

use serde::Serialize;

/// The smallest number of parents a figure may come from.
pub const MIN_CELL_DEFAULT: usize = 5;
/// The setting can never go below this.
pub const MIN_CELL_FLOOR: usize = 3;

/// The smallest group a figure may be shown for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MinCell(usize);

impl MinCell {
    /// A setting, raised to the floor if it is lower.
    pub fn new(n: usize) -> Self {
        Self(n.max(MIN_CELL_FLOOR))
    }

    pub fn get(self) -> usize {
        self.0
    }

    /// Whether a figure from `n` parents may be shown. No parents at all
    /// gives nobody away ("0 parents needed transport").
    pub fn allows(self, n: usize) -> bool {
        n == 0 || n >= self.0
    }
}

impl Default for MinCell {
    fn default() -> Self {
        Self(MIN_CELL_DEFAULT)
    }
}

/// A figure as shown: its value, or hidden (`value` is `None` and
/// `hidden` true) because too few parents are behind it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cell<T> {
    pub value: Option<T>,
    pub hidden: bool,
}

impl<T> Cell<T> {
    pub fn shown(value: T) -> Self {
        Self {
            value: Some(value),
            hidden: false,
        }
    }

    pub fn hidden() -> Self {
        Self {
            value: None,
            hidden: true,
        }
    }

    /// `value` if `show`, otherwise hidden.
    pub fn when(show: bool, value: T) -> Self {
        if show {
            Self::shown(value)
        } else {
            Self::hidden()
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Cell<U> {
        Cell {
            value: self.value.map(f),
            hidden: self.hidden,
        }
    }
}

/// Which parts of a whole to hide, and whether the whole must go too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    /// One per part, in the order given: true means hidden.
    pub parts: Vec<bool>,
    /// True when the whole must be hidden as well.
    pub whole: bool,
}

/// Decides what to hide among parts (the number of parents behind each)
/// that add up to a whole that is shown.
///
/// A part from 1 to `min - 1` parents is hidden. If that leaves exactly one
/// part hidden, or hidden parts that together come from fewer than `min`
/// parents, the smallest part still shown is hidden as well, until that is
/// no longer so. If it cannot be (no parts left), the whole is hidden too.
/// A whole from fewer than `min` parents is always hidden.
pub fn protect(sizes: &[usize], min: MinCell) -> Protected {
    let mut parts: Vec<bool> = sizes.iter().map(|&n| !min.allows(n)).collect();
    let hidden_total = |parts: &[bool]| -> usize {
        sizes
            .iter()
            .zip(parts)
            .filter(|(_, h)| **h)
            .map(|(n, _)| *n)
            .sum()
    };
    let exposed = |parts: &[bool]| {
        let count = parts.iter().filter(|h| **h).count();
        count > 0 && (count == 1 || hidden_total(parts) < min.get())
    };
    while exposed(&parts) {
        let next = sizes
            .iter()
            .enumerate()
            .filter(|(i, &n)| !parts[*i] && n > 0)
            .min_by_key(|(i, &n)| (n, *i))
            .map(|(i, _)| i);
        match next {
            Some(i) => parts[i] = true,
            None => break,
        }
    }
    let total: usize = sizes.iter().sum();
    let whole = exposed(&parts) || !min.allows(total);
    Protected { parts, whole }
}

/// Counts of parents (each its own part of `whole`), shown or hidden by
/// [`protect`]; the last cell is the whole.
pub fn protect_counts(counts: &[usize], min: MinCell) -> (Vec<Cell<usize>>, Cell<usize>) {
    let p = protect(counts, min);
    let cells = counts
        .iter()
        .zip(&p.parts)
        .map(|(&n, &hidden)| Cell::when(!hidden, n))
        .collect();
    (cells, Cell::when(!p.whole, counts.iter().sum()))
}

/// Change between a parent's score at the start and at the end, over the
/// parents who answered both.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedChange {
    pub n: usize,
    pub mean_pre: f64,
    pub mean_post: f64,
    pub mean_change: f64,
    /// The 95% confidence interval of the mean change (Student's t).
    pub ci_low: f64,
    pub ci_high: f64,
    /// Cohen's d_z: the mean change over the standard deviation of the
    /// changes. `None` when every parent changed by exactly the same
    /// amount (there is no spread to compare with).
    pub d_z: Option<f64>,
    /// The share (0 to 1) of parents whose score moved the good way by at
    /// least the threshold.
    pub improved_share: f64,
}

/// Which way is better for a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Better {
    Higher,
    Lower,
}

/// Paired change over `(pre, post)` scores, or `None` when there are fewer
/// pairs than `min` allows (never any figure from too few parents; no
/// pairs at all also gives `None`, there is nothing to say).
pub fn paired_change(
    pairs: &[(f64, f64)],
    min: MinCell,
    better: Better,
    threshold: f64,
) -> Option<PairedChange> {
    let n = pairs.len();
    if n == 0 || n < min.get() {
        return None;
    }
    let nf = n as f64;
    let mean_pre = pairs.iter().map(|p| p.0).sum::<f64>() / nf;
    let mean_post = pairs.iter().map(|p| p.1).sum::<f64>() / nf;
    let changes: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
    let mean_change = mean_post - mean_pre;
    let sd = sample_sd(&changes, mean_change);
    let half = t_975(n - 1) * sd / nf.sqrt();
    let sign = match better {
        Better::Higher => 1.0,
        Better::Lower => -1.0,
    };
    let improved = changes
        .iter()
        .filter(|c| *c * sign >= threshold - 1e-9)
        .count();
    Some(PairedChange {
        n,
        mean_pre,
        mean_post,
        mean_change,
        ci_low: mean_change - half,
        ci_high: mean_change + half,
        d_z: (sd > 1e-12).then(|| mean_change / sd),
        improved_share: improved as f64 / nf,
    })
}

/// The sample standard deviation (n - 1); 0 for fewer than two values.
pub fn sample_sd(values: &[f64], mean: f64) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    (ss / (values.len() as f64 - 1.0)).sqrt()
}

/// The mean of some values, `None` for none.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Student's t at 0.975 (two-sided 95%) for `df` degrees of freedom:
/// exact to three places from a table up to 30, then the Cornish-Fisher
/// expansion (within 0.001 of the true value from 30 on).
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => {
            let z: f64 = 1.959_964;
            let d = df as f64;
            z + (z.powi(3) + z) / (4.0 * d)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
                + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z)
                    / (384.0 * d.powi(3))
        }
    }
}

/// A titled list of counts for a report (parents who needed childcare,
/// languages...), each cell already protected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureGroup {
    pub title: String,
    /// What the counts are out of ("of 42 parents who filled in the form").
    pub note: Option<String>,
    pub rows: Vec<FigureRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureRow {
    pub label: String,
    pub count: Cell<usize>,
}

/// One measure's change from start to end, across a report's cohorts and
/// for each of them, every figure already protected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The measure's slug (`measures/<slug>.toml`).
    pub slug: String,
    pub title: String,
    /// Where the measure comes from, and its licence.
    pub citation: String,
    /// How a score is made ("mean of 8 items, 1 to 5").
    pub scale: String,
    pub better: Better,
    /// "Improved" means the score moved the good way by at least this.
    pub threshold: f64,
    /// Parents who answered at the start and the end, across the cohorts.
    pub n_paired: Cell<usize>,
    pub overall: Option<PairedChange>,
    pub cohorts: Vec<CohortOutcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortOutcome {
    pub cohort_id: i64,
    pub n_paired: Cell<usize>,
    /// `None` when hidden (too few pairs, or hidden so that another
    /// cohort's hidden figure cannot be worked out from the total).
    pub change: Option<PairedChange>,
}

/// Builds an [`Outcome`]'s figures from each cohort's `(pre, post)` pairs:
/// a cohort's change only from `min` pairs or more, with complementary
/// suppression across the cohorts so none can be worked out from the
/// total.
pub fn outcome_figures(
    per_cohort: &[(i64, Vec<(f64, f64)>)],
    min: MinCell,
    better: Better,
    threshold: f64,
) -> (Cell<usize>, Option<PairedChange>, Vec<CohortOutcome>) {
    let sizes: Vec<usize> = per_cohort.iter().map(|(_, p)| p.len()).collect();
    let guard = protect(&sizes, min);
    let cohorts = per_cohort
        .iter()
        .zip(&guard.parts)
        .map(|((id, pairs), &hidden)| CohortOutcome {
            cohort_id: *id,
            n_paired: Cell::when(!hidden, pairs.len()),
            change: if hidden {
                None
            } else {
                paired_change(pairs, min, better, threshold)
            },
        })
        .collect();
    let all: Vec<(f64, f64)> = per_cohort
        .iter()
        .flat_map(|(_, p)| p.iter().copied())
        .collect();
    let overall = if guard.whole {
        None
    } else {
        paired_change(&all, min, better, threshold)
    };
    (Cell::when(!guard.whole, all.len()), overall, cohorts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_never_goes_below_three() {
        assert_eq!(MinCell::new(1).get(), 3);
        assert_eq!(MinCell::new(8).get(), 8);
        assert_eq!(MinCell::default().get(), 5);
        assert!(MinCell::default().allows(0));
        assert!(!MinCell::default().allows(4));
        assert!(MinCell::default().allows(5));
    }

    #[test]
    fn four_pairs_give_no_figures_and_six_do() {
        let four = [(2.0, 3.0), (3.0, 4.0), (2.0, 2.0), (4.0, 5.0)];
        assert_eq!(
            paired_change(&four, MinCell::default(), Better::Higher, 0.5),
            None
        );
        let six = [
            (2.0, 3.0),
            (3.0, 4.0),
            (2.0, 2.0),
            (4.0, 5.0),
            (3.0, 3.5),
            (1.0, 3.0),
        ];
        let c = paired_change(&six, MinCell::default(), Better::Higher, 0.5).unwrap();
        assert_eq!(c.n, 6);
        assert!((c.mean_pre - 2.5).abs() < 1e-9);
        assert!((c.mean_post - 20.5 / 6.0).abs() < 1e-9);
        // changes 1, 1, 0, 1, 0.5, 2: mean 11/12, sd 0.6646
        assert!((c.mean_change - 11.0 / 12.0).abs() < 1e-9);
        let sd = sample_sd(&[1.0, 1.0, 0.0, 1.0, 0.5, 2.0], 11.0 / 12.0);
        assert!((sd - 0.664_58).abs() < 1e-4, "{sd}");
        assert!((c.ci_high - c.mean_change - 2.571 * sd / 6f64.sqrt()).abs() < 1e-9);
        assert!((c.d_z.unwrap() - 11.0 / 12.0 / sd).abs() < 1e-9);
        assert!((c.improved_share - 5.0 / 6.0).abs() < 1e-9);
        let lower = paired_change(&six, MinCell::default(), Better::Lower, 0.5).unwrap();
        assert_eq!(lower.improved_share, 0.0);
    }

    #[test]
    fn no_spread_has_no_effect_size() {
        let same = [(1.0, 2.0); 5];
        let c = paired_change(&same, MinCell::default(), Better::Higher, 1.0).unwrap();
        assert_eq!(c.d_z, None);
        assert_eq!(c.ci_low, 1.0);
        assert_eq!(c.improved_share, 1.0);
    }

    #[test]
    fn t_follows_its_table_and_its_limit() {
        assert_eq!(t_975(1), 12.706);
        assert_eq!(t_975(30), 2.042);
        assert!((t_975(40) - 2.021).abs() < 1e-3);
        assert!((t_975(120) - 1.980).abs() < 1e-3);
        assert!((t_975(100_000) - 1.960).abs() < 1e-3);
    }

    #[test]
    fn one_hidden_part_takes_the_next_smallest_with_it() {
        let p = protect(&[12, 3, 9, 20], MinCell::default());
        assert_eq!(p.parts, [false, true, true, false]);
        assert!(!p.whole);
        // Two small parts that together are still too few: a third goes.
        let p = protect(&[1, 2, 30, 40], MinCell::default());
        assert_eq!(p.parts, [true, true, true, false]);
        assert!(!p.whole);
        // Nothing to hide.
        let p = protect(&[5, 0, 7], MinCell::default());
        assert_eq!(p.parts, [false, false, false]);
        // Zeros never cover a hidden part.
        let p = protect(&[0, 2, 0], MinCell::default());
        assert_eq!(p.parts, [false, true, false]);
        assert!(p.whole, "the whole would tell the hidden part");
    }

    #[test]
    fn a_small_cohort_hides_another_so_the_total_tells_nothing() {
        let pairs = |n: usize| vec![(2.0, 3.0); n];
        let per = [(1, pairs(8)), (2, pairs(4)), (3, pairs(6)), (4, pairs(9))];
        let (n, overall, cohorts) = outcome_figures(&per, MinCell::default(), Better::Higher, 1.0);
        assert_eq!(n, Cell::shown(27));
        assert_eq!(overall.unwrap().n, 27);
        let hidden: Vec<i64> = cohorts
            .iter()
            .filter(|c| c.change.is_none())
            .map(|c| c.cohort_id)
            .collect();
        assert_eq!(hidden, [2, 3], "the 4 and the next smallest, 6");
        assert!(cohorts[1].n_paired.hidden && cohorts[2].n_paired.hidden);
    }

    #[test]
    fn a_hidden_count_cannot_be_worked_out_from_the_total() {
        let (cells, total) = protect_counts(&[7, 2, 11], MinCell::default());
        assert_eq!(total, Cell::shown(20));
        let shown: usize = cells.iter().filter_map(|c| c.value).sum();
        let hidden = cells.iter().filter(|c| c.hidden).count();
        assert!(hidden >= 2, "{cells:?}");
        assert!(20 - shown >= 5);
        let (_, small) = protect_counts(&[1, 2], MinCell::default());
        assert!(small.hidden);
    }
}
