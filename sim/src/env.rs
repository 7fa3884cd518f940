//! `SimEnv`: one simulated machine built from a seed — clock, disk, process table, bio queues,
//! memory gauge and trace — and the `keel::env::Env` the engine runs against.
//!
//! Every `Env` returned by [`SimEnv::env`] shares this machine's state (Arc clones). The seed
//! is split into independent streams ([`crate::rng::Streams`]): fault decisions, latencies and
//! power-loss choices never consume workload randomness. `Env::pid` is `4242 + restarts`, so a
//! restarted server gets a new pid as a real one would (its `temp-<pid>.rdb` differs).

use std::sync::Arc;

use keel::env::{Env, Pid};

use crate::background::{BackgroundLatency, SimBackground};
use crate::clock::SimClock;
use crate::fork::{OrphanPolicy, SimForker};
use crate::fs::{FaultConfig, PowerLossPlan, SimFs};
use crate::memory::SimMemory;
use crate::rng::{Streams, SimRng};
use crate::trace::Trace;

/// The server's pid before any restart.
pub const BASE_PID: Pid = 4242;

pub struct SimEnv {
    pub seed: u64,
    pub clock: SimClock,
    pub fs: SimFs,
    pub forker: SimForker,
    pub background: SimBackground,
    pub trace: Trace,
    pub memory: SimMemory,
    /// Workload stream, for the scheduler's own choices.
    pub workload: SimRng,
    /// Power-loss stream, used by [`SimEnv::power_loss`].
    pub power_loss_rng: SimRng,
    engine_seed: u64,
    restarts: u32,
}

impl SimEnv {
    pub fn new(seed: u64, config: FaultConfig) -> SimEnv {
        let mut s = Streams::new(seed);
        let trace = Trace::default();
        let clock = SimClock::default();
        let fs = SimFs::new(config, &mut s.faults, trace.clone());
        fs.attach_clock(clock.clone());
        let latency = BackgroundLatency {
            fsync_us: config.fsync_latency_us,
            close_us: (0, 1_000),
            lazyfree_us: (0, 1_000),
        };
        let background =
            SimBackground::new(clock.clone(), trace.clone(), s.latency, latency).with_fs(fs.clone());
        SimEnv {
            seed,
            forker: SimForker::new(trace.clone()).with_fs(fs.clone()),
            memory: SimMemory::default(),
            workload: s.workload,
            power_loss_rng: s.power_loss,
            engine_seed: s.engine_seed,
            restarts: 0,
            clock,
            fs,
            background,
            trace,
        }
    }

    /// The engine's view of this machine.
    pub fn env(&self) -> Env {
        Env {
            clock: Arc::new(self.clock.clone()),
            fs: Arc::new(self.fs.clone()),
            forker: Arc::new(self.forker.clone()),
            background: Arc::new(self.background.clone()),
            memory: Arc::new(self.memory.clone()),
            seed: self.engine_seed.wrapping_add(u64::from(self.restarts)),
            pid: self.pid(),
        }
    }

    pub fn pid(&self) -> Pid {
        BASE_PID + self.restarts
    }

    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// The server process is killed (`kill -9`); the machine keeps running. Call before
    /// starting the next server from [`SimEnv::env`].
    pub fn process_crash(&mut self, orphans: OrphanPolicy) {
        self.trace.record("env.process_crash");
        self.fs.process_crash();
        self.background.process_crash();
        self.forker.parent_crashed(orphans);
        self.restarts += 1;
    }

    /// The machine loses power: every process dies, pending disk state survives as the seeded
    /// power-loss stream decides.
    pub fn power_loss(&mut self) {
        let mut rng = self.power_loss_rng.clone();
        self.power_loss_with(&mut crate::fs::RandomPlan { rng: &mut rng, rates: self.fs.config().power_loss });
        self.power_loss_rng = rng;
    }

    /// The machine loses power; `plan` decides what survives.
    pub fn power_loss_with(&mut self, plan: &mut dyn PowerLossPlan) {
        self.trace.record("env.power_loss");
        self.background.process_crash();
        self.forker.parent_crashed(OrphanPolicy::Drop);
        self.forker.drop_orphans();
        self.fs.power_loss_with(plan);
        self.restarts += 1;
    }
}
