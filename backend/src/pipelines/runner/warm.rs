//! A KFP lightweight component's task through the warm Python: its workload is the same
//! (environment, directory, resources, through the scheduler), only its process is the
//! launcher, which hands the task to the runner's forkserver.

use api::WorkloadSpec;

use super::Runner;
use crate::pipelines::warm::{launch_command, same_python, warm_argv};

impl Runner {
    /// Makes the task's command the launcher's when the warm Python is on, can run it, and
    /// is up (started now if needed); otherwise leaves it as it is.
    pub(super) async fn warm_up(&mut self, spec: &mut WorkloadSpec) {
        let (Some(launcher), Some(warm)) = (&self.settings.warm_launcher, &mut self.warm) else {
            return;
        };
        let Some(group) = spec.groups.first_mut() else {
            return;
        };
        if warm_argv(&group.command).is_none() || !same_python(&group.env, warm.path()) {
            return;
        }
        let Some(socket) = warm.socket().await else {
            return;
        };
        let socket = socket.to_string_lossy();
        group.command = launch_command(launcher, &socket, &group.command);
    }
}
