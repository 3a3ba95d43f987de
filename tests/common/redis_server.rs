//! A real `redis-server` for the tests, on a loopback port reserved for it,
//! with no persistence, that a test can stop and start again on that port;
//! and [`Gate`], a TCP relay to it that a test can cut and restore, to
//! keep some clients away from a Redis that others still reach.
//!
//!
//! `redis-server` is looked up in `$SCOPEGATE_REDIS_SERVER`, then on the
//! `PATH`, then in `/usr/bin`, `/usr/sbin`, `/usr/local/bin`. If it is not
//! found the test fails, saying how to install it: it never skips.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpSocket, TcpStream as TokioStream};
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

/// A loopback port held for one server: bound with `SO_REUSEADDR` and
/// never listening. Connections to it are refused while no server listens
/// on it, the kernel hands it to no other `bind(…, 0)` or outgoing
/// connection, and a server that also sets `SO_REUSEADDR` (redis-server,
/// Tokio's listeners) can listen on it, stop and listen again. So a port
/// chosen for a server stays its own for the whole test, instead of being
/// chosen, released and bound again, when another test could take it.
struct Reservation {
    socket: TcpSocket,
    port: u16,
}

impl Reservation {
    fn new() -> Self {
        let socket = TcpSocket::new_v4().expect("a TCP socket");
        socket
            .set_reuseaddr(true)
            .expect("SO_REUSEADDR on the port reservation");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("bind an ephemeral loopback port");
        let port = socket.local_addr().expect("local address").port();
        Reservation { socket, port }
    }
}

/// A `redis-server` child process on `127.0.0.1:port`.
pub(crate) struct RedisServer {
    port: Reservation,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts one on a free port and waits until it accepts connections.
    /// A server that cannot listen on its port (taken after all, by
    /// something that ignores the reservation) is retried on another.
    pub(crate) fn start() -> Self {
        let mut failures = Vec::new();
        for _ in 0..5 {
            let mut server = RedisServer {
                port: Reservation::new(),
                child: None,
            };
            match server.launch() {
                Ok(()) => return server,
                Err(failure) => failures.push(failure),
            }
        }
        panic!("redis-server could not start on any of 5 ports: {failures:#?}");
    }

    /// `redis://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port.port)
    }

    /// `127.0.0.1:<port>`.
    pub(crate) fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port.port))
    }

    /// Kills the server (its data is lost: it keeps none on disk).
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (kept reserved while it was
    /// stopped), empty, and waits until it accepts connections.
    pub(crate) fn resume(&mut self) {
        if let Err(failure) = self.launch() {
            panic!("redis-server did not start again on its port: {failure}");
        }
    }

    /// Spawns redis-server on the port and waits until it is the one
    /// answering there; on failure the child is gone, and why is returned.
    fn launch(&mut self) -> Result<(), String> {
        assert!(self.child.is_none(), "redis-server is already running");
        let mut child = Command::new(redis_server_binary())
            .args(["--port", &self.port.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--dir", &std::env::temp_dir().to_string_lossy()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        // Ready when it answers, on this port, with its own process id:
        // not merely when something accepts connections there.
        let give_up = Instant::now() + Duration::from_secs(30);
        let outcome = loop {
            if let Some(status) = child.try_wait().expect("redis-server's status") {
                break Err(format!(
                    "redis-server exited ({status}) on port {}",
                    self.port.port
                ));
            }
            match server_pid(self.addr()) {
                Some(pid) if pid == child.id() => break Ok(()),
                Some(pid) => {
                    break Err(format!(
                        "port {} is served by another redis-server (pid {pid})",
                        self.port.port
                    ));
                }
                None if Instant::now() >= give_up => {
                    break Err(format!(
                        "redis-server did not answer on port {} within 30 s",
                        self.port.port
                    ));
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        match outcome {
            Ok(()) => self.child = Some(child),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        outcome
    }
}

/// The `process_id` a Redis server at `addr` reports (`INFO server`), or
/// `None` if nothing answers there as Redis does yet.
fn server_pid(addr: SocketAddr) -> Option<u32> {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
        .ok()?;
    // The reply is one bulk string: `$<length>\r\n<text>\r\n`.
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = reply.windows(2).position(|w| w == b"\r\n") {
            let length: usize = std::str::from_utf8(reply.get(1..end)?).ok()?.parse().ok()?;
            if reply.len() >= end + 2 + length {
                break;
            }
        }
        match stream.read(&mut chunk).ok()? {
            0 => return None,
            n => reply.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&reply)
        .lines()
        .find_map(|line| line.strip_prefix("process_id:"))
        .and_then(|pid| pid.trim().parse().ok())
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A TCP relay from a loopback port of its own to a target, which a test
/// can cut (the port then refuses connections and every relayed connection
/// is closed) and open again on the same port.
pub(crate) struct Gate {
    port: Reservation,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Gate {
    /// An open gate to `target`.
    pub(crate) async fn open_to(target: SocketAddr) -> Self {
        let gate = Gate {
            port: Reservation::new(),
            target,
            tasks: Arc::default(),
        };
        gate.open().await;
        gate
    }

    /// `redis://127.0.0.1:<port>`: Redis through the gate.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port.port)
    }

    /// Starts relaying (on the current Tokio runtime), once the port is
    /// free again after a [`cut`](Self::cut).
    pub(crate) async fn open(&self) {
        let give_up = Instant::now() + Duration::from_secs(20);
        let listener = loop {
            match listen(self.port.port) {
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
    pub(crate) fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

/// A listener on `127.0.0.1:port`, a reserved port: with `SO_REUSEADDR`,
/// as the reservation has.
fn listen(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    socket.listen(1024)
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.cut();
    }
}
