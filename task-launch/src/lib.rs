//! The task's side of the warm Python (the forkserver that runs KFP lightweight components
//! without a Python start per task; `backend::pipelines::warm` runs it). A task's process is
//! the launcher, which hands the task to the forkserver and exits as the child does.
//!
//! Its own crate and binary (`capstan-task-launch`) because every warm task execs it: the
//! server's binary is 55 MB and costs about 1.3 ms of CPU to start, this one a fraction, and
//! on a small machine a wave of parallel tasks pays that on the cores their spawns need.
//!
//! - `detect`: which commands are a lightweight component's (others run as they are);
//! - `launcher`: [`run_launcher`]; `protocol` and `fds`: what it sends.

mod detect;
mod fds;
mod launcher;
mod protocol;

pub use detect::{WarmTask, launch_command, same_python, warm_argv};
pub use launcher::run_launcher;
