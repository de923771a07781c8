//! Nagle's algorithm off for the node's RPC connections, the desk's included.
//!
//! Why: Substrate's RPC server (`sc-rpc-server`) accepts connections in its own loop and never
//! sets `TCP_NODELAY` on them (jsonrpsee's own accept loop would; the node's is not that one).
//! With Nagle's algorithm on, a desk answer written while an earlier one is not yet
//! acknowledged waits for that acknowledgement, which the client's kernel delays until it has
//! something to send back: in practice the merchant's next request. At 200 purchases/s, one
//! every 5 ms, the desk answered in 0.2 ms and the merchant heard it 4.7 ms after sending
//! (p50; `FLOW_RATE=200 FLOW_BUYERS=50 scripts/flow-bench.sh`); at 2,000/s the same wait was
//! most of the 2 ms median.
//!
//! The fix works from outside the server: once the RPC server is listening, every TCP
//! listening socket of this process gets `TCP_NODELAY`, which Linux copies to each connection
//! it accepts from then on. (The other listeners are libp2p's, which set it themselves, and
//! Prometheus's, which loses nothing by it.) Connected sockets are left alone.

use socket2::{Domain, SockRef, Type};
use std::{io, os::fd::BorrowedFd};

/// Sets `TCP_NODELAY` on every TCP listening socket this process has open; returns how many.
///
/// # Errors
/// `/proc/self/fd` cannot be listed (not Linux, or no procfs).
pub fn on_listeners() -> io::Result<usize> {
	let mut set = 0;
	for entry in std::fs::read_dir("/proc/self/fd")? {
		let Ok(entry) = entry else { continue };
		let Some(fd) = entry.file_name().to_str().and_then(|name| name.parse::<i32>().ok()) else {
			continue;
		};
		let is_socket = std::fs::read_link(entry.path())
			.is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
		if !is_socket {
			continue;
		}
		// SAFETY: `fd` is open in this process (listed in /proc/self/fd just now, and a socket)
		// and only borrowed for the calls below; nothing here closes it. A descriptor closed
		// and reused by another thread meanwhile is still a socket or fails the calls.
		let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
		if set_if_tcp_listener(&SockRef::from(&borrowed)) {
			set += 1;
		}
	}
	Ok(set)
}

/// Sets `TCP_NODELAY` on `socket` if it is a TCP socket with no peer (a listener).
fn set_if_tcp_listener(socket: &SockRef<'_>) -> bool {
	let is_tcp = socket.r#type().is_ok_and(|kind| kind == Type::STREAM)
		&& socket
			.local_addr()
			.is_ok_and(|addr| addr.domain() == Domain::IPV4 || addr.domain() == Domain::IPV6);
	is_tcp && socket.peer_addr().is_err() && socket.set_tcp_nodelay(true).is_ok()
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::net::{TcpListener, TcpStream};

	#[test]
	fn connections_accepted_afterwards_have_nagle_off() {
		let listener = TcpListener::bind("127.0.0.1:0").unwrap();
		let address = listener.local_addr().unwrap();
		let _before = TcpStream::connect(address).unwrap();
		let (accepted_before, _) = listener.accept().unwrap();
		assert!(!accepted_before.nodelay().unwrap(), "Linux accepts with Nagle on");

		assert!(on_listeners().unwrap() >= 1);

		let _after = TcpStream::connect(address).unwrap();
		let (accepted_after, _) = listener.accept().unwrap();
		assert!(accepted_after.nodelay().unwrap());
		// A connection already open is not touched (only listeners are).
		assert!(!accepted_before.nodelay().unwrap());
	}
}
