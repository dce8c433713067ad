//! Slows password guessing: after too many failures for one username in a window, sign-in
//! for that username is refused until the window passes.

use std::collections::HashMap;
use std::sync::Mutex;

pub const MAX_FAILURES: u32 = 10;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl LoginThrottle {
    /// Whether `username` may try now; returns the milliseconds to wait otherwise.
    pub fn check(&self, username: &str, now: i64) -> Result<(), i64> {
        let map = self.failures.lock().expect("throttle lock");
        match map.get(username) {
            Some(&(count, since)) if count >= MAX_FAILURES && now - since < WINDOW_MS => {
                Err(WINDOW_MS - (now - since))
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, username: &str, now: i64) {
        let mut map = self.failures.lock().expect("throttle lock");
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| now - *since < WINDOW_MS);
        }
        let entry = map.entry(username.to_string()).or_insert((0, now));
        if now - entry.1 >= WINDOW_MS {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn record_success(&self, username: &str) {
        self.failures
            .lock()
            .expect("throttle lock")
            .remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_reopens_after_the_window() {
        let t = LoginThrottle::default();
        for _ in 0..MAX_FAILURES {
            assert!(t.check("a", 0).is_ok());
            t.record_failure("a", 0);
        }
        assert!(t.check("a", 1000).is_err());
        assert!(t.check("b", 1000).is_ok(), "other users are not affected");
        assert!(t.check("a", WINDOW_MS + 1).is_ok());
        t.record_failure("c", 0);
        t.record_success("c");
        assert!(t.check("c", 0).is_ok());
    }
}
