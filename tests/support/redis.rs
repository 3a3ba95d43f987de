//! A real `redis-server` for the tests, on a free loopback port with no
//! persistence, that a test can stop and start again on the same port;
//! and [`Gate`], a TCP relay to it that a test can cut and restore, to
//! keep some clients away from a Redis that others still reach.
//! Included with `#[path = "support/redis.rs"] mod redis_server;`.
//!
//! `redis-server` is looked up in `$SCOPEGATE_REDIS_SERVER`, then on the
//! `PATH`, then in `/usr/bin`, `/usr/sbin`, `/usr/local/bin`. If it is not
//! found the test fails, saying how to install it: it never skips.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream as TokioStream};
use tokio::task::AbortHandle;

/// Where `redis-server` is, or a panic that says how to get it.
fn redis_server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SCOPEGATE_REDIS_SERVER") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let fixed = ["/usr/bin", "/usr/sbin", "/usr/local/bin"].map(PathBuf::from);
    std::env::split_paths(&path)
        .chain(fixed)
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "redis-server was not found (on the PATH, in /usr/bin, /usr/sbin or \
                 /usr/local/bin, or in $SCOPEGATE_REDIS_SERVER). The Redis revocation tests \
                 need a real one: install it with `apt-get install redis-server`, or run the \
                 whole suite with `scripts/with-redis.sh cargo test --workspace --all-features`, which installs it when missing."
            )
        })
}

/// A free loopback port (bound, then released).
fn free_port() -> u16 {
    let listener = StdListener::bind(("127.0.0.1", 0)).expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// A `redis-server` child process on `127.0.0.1:port`.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts one on a free port and waits until it accepts connections.
    pub fn start() -> Self {
        let mut server = RedisServer {
            port: free_port(),
            child: None,
        };
        server.resume();
        server
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Kills the server (its data is lost: it keeps none on disk).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty, and waits until it
    /// accepts connections.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "redis-server is already running");
        let child = Command::new(redis_server_binary())
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--dir", &std::env::temp_dir().to_string_lossy()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let give_up = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(self.addr()).is_err() {
            assert!(
                Instant::now() < give_up,
                "redis-server did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A TCP relay from a loopback port of its own to a target, which a test
/// can cut (the port then refuses connections and every relayed connection
/// is closed) and open again on the same port.
pub struct Gate {
    port: u16,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Gate {
    /// An open gate to `target`.
    pub async fn open_to(target: SocketAddr) -> Self {
        let gate = Gate {
            port: free_port(),
            target,
            tasks: Arc::default(),
        };
        gate.open().await;
        gate
    }

    /// `redis://127.0.0.1:<port>`: Redis through the gate.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts relaying (on the current Tokio runtime), once the port is
    /// free again after a [`cut`](Self::cut).
    pub async fn open(&self) {
        let give_up = Instant::now() + Duration::from_secs(20);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(error) => {
                    assert!(
                        Instant::now() < give_up,
                        "the gate's port stays busy: {error}"
                    );
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        };
        let (target, tasks) = (self.target, self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = TokioStream::connect(target).await {
                        // As Redis does: no Nagle delay on a relayed reply.
                        let _ = inbound.set_nodelay(true);
                        let _ = outbound.set_nodelay(true);
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(relay.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
    }

    /// Stops relaying: the port refuses connections, and every relayed
    /// connection is closed.
    pub fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.cut();
    }
}
