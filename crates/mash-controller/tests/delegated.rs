//! The SMGW's [`JobRunner`] against a job queue in memory and a simulated
//! charger (mash-sim), under the paused clock: outcomes, lost reports,
//! jobs handed out twice, a failing source, shutdown.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mash_controller::{
    Ack, Job, JobEvent, JobOutcome, JobRunner, JobSource, LinkState, Locate, ReconnectPolicy,
};
use mash_core::zone::ZoneType;
use mash_device::models::DeviceKind;
use mash_sim::{House, SimController, SimDevice};
use mash_transport::Target;

const QR: &str = "MASH:1:1234:20202021";

#[derive(Default)]
struct QueueState {
    jobs: VecDeque<Job>,
    reports: Vec<(u64, JobOutcome)>,
    failing_polls: u32,
    failing_reports: u32,
    refuse: bool,
}

/// Jobs in memory; polls answer at once.
#[derive(Clone, Default)]
struct Queue(Arc<Mutex<QueueState>>);

impl Queue {
    fn push(&self, id: u64, qr: &str) {
        self.0.lock().unwrap().jobs.push_back(Job {
            id,
            qr: qr.into(),
            lease: Duration::from_secs(900),
        });
    }

    fn reports(&self) -> Vec<(u64, JobOutcome)> {
        self.0.lock().unwrap().reports.clone()
    }

    fn with(&self, f: impl FnOnce(&mut QueueState)) {
        f(&mut self.0.lock().unwrap());
    }
}

impl JobSource for Queue {
    type Error = io::Error;

    async fn next_jobs(&self, _wait: Duration, limit: usize) -> Result<Vec<Job>, io::Error> {
        let mut s = self.0.lock().unwrap();
        if s.failing_polls > 0 {
            s.failing_polls -= 1;
            return Err(io::Error::other("backend down"));
        }
        let n = limit.min(s.jobs.len());
        Ok(s.jobs.drain(..n).collect())
    }

    async fn report(&self, id: u64, outcome: &JobOutcome) -> Result<Ack, io::Error> {
        let mut s = self.0.lock().unwrap();
        if s.failing_reports > 0 {
            s.failing_reports -= 1;
            return Err(io::Error::other("connection reset"));
        }
        if s.refuse {
            return Ok(Ack::Refused {
                why: "not leased".into(),
            });
        }
        s.reports.push((id, outcome.clone()));
        Ok(Ack::Accepted)
    }
}

struct Scene {
    _house: House,
    charger: SimDevice,
    smgw: SimController,
    queue: Queue,
    runner: JobRunner<mash_sim::SimDialer, Queue>,
}

async fn scene() -> Scene {
    let mut house = House::new().unwrap();
    let config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 1234)
        .unwrap();
    let charger = house.add_device(config).unwrap();
    let smgw = house
        .add_controller(house.controller_config("SMGW", ZoneType::Grid))
        .await
        .unwrap();
    let queue = Queue::default();
    let runner = JobRunner::new(
        smgw.clone(),
        queue.clone(),
        Locate::Address(Target::Addr(charger.addr)),
    );
    Scene {
        _house: house,
        charger,
        smgw,
        queue,
        runner,
    }
}

fn names(events: &[JobEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            JobEvent::Received { job } => format!("received {job}"),
            JobEvent::Commissioned { job, .. } => format!("commissioned {job}"),
            JobEvent::Failed { job, .. } => format!("failed {job}"),
            JobEvent::Repeated { job } => format!("repeated {job}"),
            JobEvent::Reported { job } => format!("reported {job}"),
            JobEvent::ReportRefused { job, .. } => format!("refused {job}"),
            JobEvent::SourceError { .. } => "source error".into(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_job_is_commissioned_into_the_grid_zone_and_reported() {
    let mut s = scene().await;
    s.queue.push(7, QR);
    let mut events = Vec::new();
    let n = s.runner.poll_once(&mut |e| events.push(e)).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        names(&events),
        ["received 7", "commissioned 7", "reported 7"]
    );

    let zones = s.charger.handle.snapshot().zones;
    let grid = zones
        .iter()
        .find(|z| z.zone_type == ZoneType::Grid)
        .unwrap();
    let reports = s.queue.reports();
    let [(7, JobOutcome::Commissioned { device_id, zone_id })] = reports.as_slice() else {
        panic!("{reports:?}");
    };
    assert_eq!(device_id.to_string(), grid.device_id);
    assert_eq!(*zone_id, grid.zone_id);
    // The device is connected in the SMGW's zone.
    let JobEvent::Commissioned { device, .. } = &events[1] else {
        unreachable!()
    };
    assert_eq!(device.handle.state(), LinkState::Connected);
}

#[tokio::test(start_paused = true)]
async fn a_wrong_setup_code_is_reported_as_a_failure() {
    let mut s = scene().await;
    s.queue.push(8, "MASH:1:1234:20202022");
    let mut events = Vec::new();
    s.runner.poll_once(&mut |e| events.push(e)).await.unwrap();
    assert_eq!(names(&events), ["received 8", "failed 8", "reported 8"]);
    let reports = s.queue.reports();
    let [(8, JobOutcome::Failed { reason })] = reports.as_slice() else {
        panic!("{reports:?}");
    };
    assert!(reason.contains("authentication"), "{reason}");
    assert!(
        !reason.contains("20202022"),
        "the setup code leaked: {reason}"
    );
    assert!(s.smgw.devices().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_lost_report_is_sent_again_and_a_repeated_job_is_not_redone() {
    let mut s = scene().await;
    s.queue.push(9, QR);
    s.queue.with(|q| q.failing_reports = 1);
    let mut events = Vec::new();
    // The report fails: the round fails, the outcome is kept.
    assert!(s.runner.poll_once(&mut |e| events.push(e)).await.is_err());
    assert!(s.queue.reports().is_empty());
    // The next round sends it first.
    s.runner.poll_once(&mut |e| events.push(e)).await.unwrap();
    assert_eq!(s.queue.reports().len(), 1);
    // The backend hands the job out again (it never saw the answer):
    // the same outcome goes back, nothing is commissioned twice.
    s.queue.push(9, QR);
    s.runner.poll_once(&mut |e| events.push(e)).await.unwrap();
    assert_eq!(
        names(&events),
        [
            "received 9",
            "commissioned 9",
            "reported 9",
            "repeated 9",
            "reported 9"
        ]
    );
    let reports = s.queue.reports();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0], reports[1]);
    assert_eq!(s.smgw.devices().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_refused_report_is_not_retried() {
    let mut s = scene().await;
    s.queue.push(10, QR);
    s.queue.with(|q| q.refuse = true);
    let mut events = Vec::new();
    s.runner.poll_once(&mut |e| events.push(e)).await.unwrap();
    s.runner.poll_once(&mut |e| events.push(e)).await.unwrap();
    assert_eq!(
        names(&events),
        ["received 10", "commissioned 10", "refused 10"]
    );
}

#[tokio::test(start_paused = true)]
async fn the_runner_backs_off_while_the_source_fails_and_stops_with_the_controller() {
    let s = scene().await;
    s.queue.with(|q| q.failing_polls = 3);
    s.queue.push(11, QR);
    let mut runner = s.runner.with_retry(ReconnectPolicy {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(60),
        jitter_percent: 0,
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = tokio::time::Instant::now();
    let running = tokio::spawn(async move { runner.run(move |e| drop(tx.send(e))).await });
    let mut events = Vec::new();
    while !matches!(events.last(), Some(JobEvent::Reported { .. })) {
        events.push(rx.recv().await.unwrap());
    }
    assert_eq!(
        names(&events),
        [
            "source error",
            "source error",
            "source error",
            "received 11",
            "commissioned 11",
            "reported 11"
        ]
    );
    let delays: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            JobEvent::SourceError { retry_in, .. } => Some(retry_in.as_secs()),
            _ => None,
        })
        .collect();
    assert_eq!(delays, [1, 2, 4]);
    assert!(started.elapsed() >= Duration::from_secs(7));

    s.smgw.shutdown().await;
    tokio::time::timeout(Duration::from_secs(60), running)
        .await
        .expect("the runner stops with the controller")
        .unwrap();
}
