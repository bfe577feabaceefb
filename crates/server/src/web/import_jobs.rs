//! Contact imports started from the web page, run in the background and kept in memory
//! while they run and for a while after, so the page can poll their progress and then show
//! their report. A job belongs to one account; another account's id finds nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bote_domain::AccountId;
use rand::Rng;

use crate::contacts_csv::ImportReport;

/// How long a finished job's report stays available.
const KEEP_FINISHED: Duration = Duration::from_secs(3600);

/// How an import ended.
#[derive(Debug, Clone)]
pub enum Ending {
    Done(ImportReport),
    /// The file was refused whole (structure, I/O, store); nothing or part was written.
    Failed(String),
}

pub struct Job {
    pub account: AccountId,
    /// The uploaded file's size, the measure of progress.
    pub total_bytes: u64,
    pub bytes: AtomicU64,
    pub rows: AtomicU64,
    ending: Mutex<Option<(Ending, Instant)>>,
}

impl Job {
    pub fn ending(&self) -> Option<Ending> {
        self.ending
            .lock()
            .expect("job lock")
            .as_ref()
            .map(|(e, _)| e.clone())
    }

    pub fn finish(&self, ending: Ending) {
        *self.ending.lock().expect("job lock") = Some((ending, Instant::now()));
    }

    fn expired(&self, now: Instant) -> bool {
        self.ending
            .lock()
            .expect("job lock")
            .as_ref()
            .is_some_and(|(_, at)| now.duration_since(*at) > KEEP_FINISHED)
    }

    /// Progress in percent, by bytes read (rows are unknown until the file is read).
    pub fn percent(&self) -> u64 {
        if self.ending().is_some() {
            return 100;
        }
        (self.bytes.load(Ordering::Relaxed) * 100)
            .checked_div(self.total_bytes)
            .unwrap_or(0)
            .min(99)
    }
}

/// The jobs of this process, by an unguessable id.
#[derive(Default)]
pub struct ImportJobs {
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

impl ImportJobs {
    /// Registers a new running job and returns its id; drops finished jobs past their time.
    pub fn start(&self, account: AccountId, total_bytes: u64) -> (String, Arc<Job>) {
        let id = hex::encode(rand::rng().random::<[u8; 16]>());
        let job = Arc::new(Job {
            account,
            total_bytes,
            bytes: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            ending: Mutex::new(None),
        });
        let mut jobs = self.jobs.lock().expect("jobs lock");
        let now = Instant::now();
        jobs.retain(|_, j| !j.expired(now));
        jobs.insert(id.clone(), job.clone());
        (id, job)
    }

    /// The job with this id, if it is `account`'s.
    pub fn get(&self, account: AccountId, id: &str) -> Option<Arc<Job>> {
        self.jobs
            .lock()
            .expect("jobs lock")
            .get(id)
            .filter(|j| j.account == account)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_belong_to_their_account() {
        let jobs = ImportJobs::default();
        let (id, job) = jobs.start(AccountId(1), 200);
        assert!(jobs.get(AccountId(1), &id).is_some());
        assert!(jobs.get(AccountId(2), &id).is_none(), "another account");
        assert!(jobs.get(AccountId(1), "nope").is_none());
        job.bytes.store(100, Ordering::Relaxed);
        assert_eq!(job.percent(), 50);
        job.finish(Ending::Failed("x".into()));
        assert_eq!(job.percent(), 100);
    }
}
