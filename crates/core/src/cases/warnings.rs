//! Early-warning rules beside the map, as data a city tunes: clusters (≥ N cases of one
//! category in one grid within T days), spikes (today against a 28-day baseline) and repeated
//! reports from one place.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningRules {
    /// Cases of one category in one grid …
    pub cluster_min: i64,
    /// … within this many days.
    pub cluster_days: i64,
    /// A category spikes when today's reports reach this multiple of its daily baseline …
    pub spike_factor: f64,
    /// … and at least this many (so that 1 against 0.2 is not a spike).
    pub spike_min: i64,
    /// Days of the baseline.
    pub baseline_days: i64,
    /// Reports from one place (a cell of about `place_metres`) …
    pub place_min: i64,
    pub place_metres: f64,
    /// … within this many days.
    pub place_days: i64,
    /// Open cases due within this many hours are "nearly due".
    pub due_soon_hours: i64,
}

impl Default for WarningRules {
    fn default() -> Self {
        WarningRules {
            cluster_min: 3,
            cluster_days: 7,
            spike_factor: 2.0,
            spike_min: 5,
            baseline_days: 28,
            place_min: 3,
            place_metres: 50.0,
            place_days: 30,
            due_soon_hours: 2,
        }
    }
}

impl WarningRules {
    /// Every threshold must make sense; the error names the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let positive = [
            ("cluster_min", self.cluster_min),
            ("cluster_days", self.cluster_days),
            ("spike_min", self.spike_min),
            ("baseline_days", self.baseline_days),
            ("place_min", self.place_min),
            ("place_days", self.place_days),
        ];
        for (field, v) in positive {
            if !(1..=366).contains(&v) {
                return Err((
                    field,
                    format!("须在 1–366 之间，而不是 {v} / must be 1–366"),
                ));
            }
        }
        if !(1.0..=100.0).contains(&self.spike_factor) {
            return Err(("spike_factor", "须在 1–100 之间 / must be 1–100".into()));
        }
        if !(5.0..=1000.0).contains(&self.place_metres) {
            return Err((
                "place_metres",
                "须在 5–1000 米之间 / must be 5–1000 m".into(),
            ));
        }
        if !(0..=72).contains(&self.due_soon_hours) {
            return Err(("due_soon_hours", "须在 0–72 之间 / must be 0–72".into()));
        }
        Ok(())
    }

    /// Whether `today` reports against `baseline_total` over the baseline days is a spike.
    pub fn is_spike(&self, today: i64, baseline_total: i64) -> bool {
        let mean = baseline_total as f64 / self.baseline_days as f64;
        today >= self.spike_min && today as f64 >= self.spike_factor * mean.max(0.5)
    }

    /// The size of a place cell in degrees (latitude; longitude cells are a little narrower
    /// in metres at Nanning's latitude, which is fine for "the same place").
    pub fn place_cell_degrees(&self) -> f64 {
        self.place_metres / 111_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spikes_need_both_the_factor_and_the_minimum() {
        let r = WarningRules::default();
        assert!(r.is_spike(10, 28 * 2), "10 against a mean of 2");
        assert!(!r.is_spike(3, 28), "fewer than the minimum");
        assert!(
            !r.is_spike(6, 28 * 4),
            "6 against a mean of 4 is not double"
        );
        assert!(r.is_spike(5, 0), "5 against nothing");
    }

    #[test]
    fn nonsense_thresholds_are_named() {
        let mut r = WarningRules::default();
        assert!(r.validate().is_ok());
        r.cluster_min = 0;
        assert_eq!(r.validate().unwrap_err().0, "cluster_min");
        r = WarningRules {
            spike_factor: 0.5,
            ..WarningRules::default()
        };
        assert_eq!(r.validate().unwrap_err().0, "spike_factor");
    }
}
