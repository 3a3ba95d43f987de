//! Runs the `scopegate` binary as a process, with only the variables a
//! test gives it, for `cli/tests/cli.rs` and `cli/tests/revoke.rs`.
//! Included as `mod run;`.
#![allow(dead_code)] // each test file uses part of it

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Every variable the binary reads: cleared so the caller's environment
/// cannot leak into a test.
pub(crate) const VARS: [&str; 12] = [
    "SCOPEGATE_CLIENT_ENVIRONMENT_URL",
    "SCOPEGATE_CLIENT_TOKEN_URL",
    "SCOPEGATE_CLIENT_ID",
    "SCOPEGATE_CLIENT_SECRET",
    "SCOPEGATE_CLIENT_SCOPES",
    "SCOPEGATE_CLIENT_AUDIENCE",
    "SCOPEGATE_AUDIENCE",
    "SCALEKIT_ENVIRONMENT_URL",
    "SCALEKIT_CLIENT_ID",
    "SCALEKIT_CLIENT_SECRET",
    "SCALEKIT_ORGANIZATION_ID",
    "RUST_LOG",
];

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code.
    pub(crate) fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code: {self:#?}");
        self
    }

    /// Asserts that none of `secrets` appears in stdout or stderr.
    pub(crate) fn assert_hides(&self, secrets: &[&str]) -> &Self {
        for secret in secrets {
            assert!(
                !self.stdout.contains(secret) && !self.stderr.contains(secret),
                "a secret was printed: {self:#?}"
            );
        }
        self
    }

    /// Stdout as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:#?}"))
    }
}

/// Runs the binary with `args`, only the variables in `env`, and `stdin`.
pub(crate) async fn scopegate(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let stdin = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_scopegate"));
        for var in VARS {
            command.env_remove(var);
        }
        command
            .args(&args)
            .envs(env)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("run the scopegate binary");
        if let Some(text) = stdin {
            let written = child.stdin.take().unwrap().write_all(text.as_bytes());
            // A command that refuses its arguments exits without reading
            // stdin: the pipe may be closed before the text is written.
            if let Err(error) = written {
                assert_eq!(
                    error.kind(),
                    std::io::ErrorKind::BrokenPipe,
                    "writing the command's stdin: {error}"
                );
            }
        }
        let output = child.wait_with_output().unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    })
    .await
    .unwrap()
}
