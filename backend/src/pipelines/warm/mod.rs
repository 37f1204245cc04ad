//! The warm Python: KFP lightweight Python components without a Python start and a kfp import
//! per task. A forkserver (`forkserver.py`, one per runner) imports `kfp.dsl.executor_main`
//! once and forks a child per task; the task's process (still a workload through the
//! scheduler, with its environment, directory and resources) is the small launcher
//! `capstan task-launch`, which hands the task to the forkserver and exits as the child does.
//!
//! - `detect`: which commands are a lightweight component's (others run as they are);
//! - `manager`: [`WarmPython`], the forkserver process of a runner;
//! - `launcher`: [`run_launcher`], the task's side; `protocol` and `fds`: what it sends.

mod detect;
mod fds;
mod launcher;
mod manager;
mod protocol;

pub use detect::{WarmTask, launch_command, same_python, warm_argv};
pub use launcher::run_launcher;
pub use manager::WarmPython;
