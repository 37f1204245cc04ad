//! The warm Python: KFP lightweight Python components without a Python start and a kfp import
//! per task. A forkserver (`forkserver.py`, one per runner) imports `kfp.dsl.executor_main`
//! once and forks a child per task; the task's process (still a workload through the
//! scheduler, with its environment, directory and resources) is the small launcher
//! `capstan-task-launch` (the `task-launch` crate), which hands the task to the forkserver and
//! exits as the child does.
//!
//! - `manager`: [`WarmPython`], the forkserver process of a runner;
//! - the task's side, re-exported from `task-launch`: which commands are a lightweight
//!   component's, and the launcher.

mod manager;

pub use manager::WarmPython;
pub use task_launch::{WarmTask, launch_command, run_launcher, same_python, warm_argv};
