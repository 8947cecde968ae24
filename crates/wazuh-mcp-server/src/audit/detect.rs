//! Sliding-window detectors: N events from one key within a window raise one alert, and again
//! only once a whole window has passed since the last alert. Time is passed in, so tests step
//! it without sleeping. Memory is bounded: a key keeps at most `threshold` timestamps, and the
//! number of keys is capped (an attacker rotating source addresses cannot grow it forever).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Most keys one detector tracks; idle keys are dropped first, then new keys are not tracked.
const MAX_KEYS: usize = 10_000;

/// Counts events per key and says when to alert.
#[derive(Debug)]
pub(crate) struct Tracker<K> {
    /// Events in the window that make an alert.
    threshold: usize,
    window: Duration,
    keys: HashMap<K, Track>,
}

#[derive(Debug, Default)]
struct Track {
    times: VecDeque<Instant>,
    alerted: Option<Instant>,
}

impl Track {
    fn idle(&self, now: Instant, window: Duration) -> bool {
        let recent = |t: &Instant| now.saturating_duration_since(*t) < window;
        !self.times.back().is_some_and(recent) && !self.alerted.as_ref().is_some_and(recent)
    }
}

impl<K: Hash + Eq + Clone> Tracker<K> {
    pub(crate) fn new(threshold: u32, window: Duration) -> Tracker<K> {
        Tracker {
            threshold: usize::try_from(threshold).unwrap_or(usize::MAX).max(1),
            window,
            keys: HashMap::new(),
        }
    }

    /// Records one event for `key` at `now`; `Some(count)` when this event raises an alert.
    pub(crate) fn hit(&mut self, key: &K, now: Instant) -> Option<usize> {
        if !self.keys.contains_key(key) {
            if self.keys.len() >= MAX_KEYS {
                let window = self.window;
                self.keys.retain(|_, t| !t.idle(now, window));
            }
            if self.keys.len() >= MAX_KEYS {
                return None;
            }
        }
        let track = self.keys.entry(key.clone()).or_default();
        track.times.push_back(now);
        while track
            .times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            track.times.pop_front();
        }
        while track.times.len() > self.threshold {
            track.times.pop_front();
        }
        let count = track.times.len();
        let quiet = track
            .alerted
            .is_none_or(|a| now.saturating_duration_since(a) >= self.window);
        if count >= self.threshold && quiet {
            track.alerted = Some(now);
            Some(count)
        } else {
            None
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// Distinct values (agent ids) named by one key within a window.
#[derive(Debug)]
pub(crate) struct DistinctTracker {
    /// Distinct values in the window that make an alert (more than the configured threshold).
    threshold: usize,
    window: Duration,
    keys: HashMap<String, Distinct>,
}

#[derive(Debug, Default)]
struct Distinct {
    seen: HashMap<String, Instant>,
    alerted: Option<Instant>,
}

impl DistinctTracker {
    /// Alerts when more than `threshold` distinct values are seen in `window`.
    pub(crate) fn new(threshold: u32, window: Duration) -> DistinctTracker {
        DistinctTracker {
            threshold: usize::try_from(threshold)
                .unwrap_or(usize::MAX)
                .saturating_add(1),
            window,
            keys: HashMap::new(),
        }
    }

    /// Records `values` named by `key` at `now`; `Some(distinct)` when this raises an alert.
    pub(crate) fn hit(&mut self, key: &str, values: &[String], now: Instant) -> Option<usize> {
        if values.is_empty() {
            return None;
        }
        let window = self.window;
        if !self.keys.contains_key(key) {
            if self.keys.len() >= MAX_KEYS {
                self.keys.retain(|_, d| {
                    d.seen
                        .values()
                        .any(|t| now.saturating_duration_since(*t) < window)
                });
            }
            if self.keys.len() >= MAX_KEYS {
                return None;
            }
        }
        let entry = self.keys.entry(key.to_string()).or_default();
        entry
            .seen
            .retain(|_, t| now.saturating_duration_since(*t) < window);
        for value in values {
            entry.seen.insert(value.clone(), now);
            // Past the threshold the exact count no longer matters: forget the oldest.
            if entry.seen.len() > self.threshold
                && let Some(oldest) = entry
                    .seen
                    .iter()
                    .filter(|(v, _)| *v != value)
                    .min_by_key(|(_, t)| **t)
                    .map(|(v, _)| v.clone())
            {
                entry.seen.remove(&oldest);
            }
        }
        let count = entry.seen.len();
        let quiet = entry
            .alerted
            .is_none_or(|a| now.saturating_duration_since(a) >= window);
        if count >= self.threshold && quiet {
            entry.alerted = Some(now);
            Some(count)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_window_then_again() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let mut t: Tracker<&str> = Tracker::new(3, Duration::from_secs(60));
        assert_eq!(t.hit(&"a", at(0)), None);
        assert_eq!(t.hit(&"a", at(1)), None);
        assert_eq!(t.hit(&"a", at(2)), Some(3));
        for s in 3..30 {
            assert_eq!(t.hit(&"a", at(s)), None, "second {s}");
        }
        // Another key has its own count.
        assert_eq!(t.hit(&"b", at(5)), None);
        // A window after the alert, still failing: alert again.
        assert_eq!(t.hit(&"a", at(62)), Some(3));
        assert_eq!(t.hit(&"a", at(63)), None);
        // Slow failures (one per 40 s) never reach 3 in a window.
        let mut slow: Tracker<&str> = Tracker::new(3, Duration::from_secs(60));
        for i in 0..10 {
            assert_eq!(slow.hit(&"s", at(i * 40)), None);
        }
    }

    #[test]
    fn keys_are_bounded() {
        let now = Instant::now();
        let mut t: Tracker<usize> = Tracker::new(2, Duration::from_secs(60));
        for k in 0..MAX_KEYS + 50 {
            t.hit(&k, now);
        }
        assert_eq!(t.len(), MAX_KEYS);
        // Once the old keys are idle, new ones are tracked again.
        let later = now + Duration::from_secs(120);
        t.hit(&(MAX_KEYS + 100), later);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn distinct_values() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let ids = |r: std::ops::Range<u32>| r.map(|i| format!("{i:03}")).collect::<Vec<_>>();
        let mut t = DistinctTracker::new(5, Duration::from_secs(300));
        // The same ids again and again are not enumeration.
        for s in 0..20 {
            assert_eq!(t.hit("p", &ids(0..5), at(s)), None);
        }
        assert_eq!(t.hit("p", &ids(5..6), at(21)), Some(6));
        assert_eq!(t.hit("p", &ids(6..20), at(22)), None, "once per window");
        assert_eq!(t.hit("p", &ids(20..21), at(400)), None, "old ids expired");
        assert_eq!(t.hit("p", &ids(21..30), at(401)), Some(6));
    }
}
