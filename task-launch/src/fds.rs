//! Sending file descriptors over a Unix socket (SCM_RIGHTS), which std does not offer.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;

/// Sends the start of `data` with `fds` attached; answers how many bytes went (the caller
/// sends the rest as it would any data).
pub fn send_with_fds(stream: &UnixStream, data: &[u8], fds: &[RawFd]) -> io::Result<usize> {
    let fd_bytes = std::mem::size_of_val(fds);
    let fd_bytes_u32 = u32::try_from(fd_bytes).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: CMSG_SPACE is arithmetic on its argument.
    let space = unsafe { libc::CMSG_SPACE(fd_bytes_u32) } as usize;
    // u64s: a control buffer must be aligned for `cmsghdr`.
    let mut control = vec![0u64; space.div_ceil(8)];
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: a zeroed msghdr is a valid empty one; every pointer set below outlives the
    // sendmsg call (iov, control and data live until the end of this function).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: msg_control points at `space` bytes, room for one header and `fds`: the first
    // header is inside it, and CMSG_DATA of it has room for `fd_bytes` bytes.
    unsafe {
        let header = libc::CMSG_FIRSTHDR(&msg);
        if header.is_null() {
            return Err(io::Error::other("no room for the file descriptors"));
        }
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(fd_bytes_u32) as _;
        std::ptr::copy_nonoverlapping(fds.as_ptr().cast::<u8>(), libc::CMSG_DATA(header), fd_bytes);
    }
    loop {
        // SAFETY: the socket is open for the life of `stream`; msg is valid (above).
        let sent = unsafe { libc::sendmsg(stream.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
        if sent >= 0 {
            return Ok(sent as usize);
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::os::fd::FromRawFd;

    use super::*;

    /// Receives one message and its descriptors (the forkserver's side, for the test).
    fn receive(stream: &UnixStream) -> (Vec<u8>, Vec<RawFd>) {
        let mut data = vec![0u8; 64];
        let mut control = vec![0u64; 16];
        let mut iov = libc::iovec {
            iov_base: data.as_mut_ptr().cast(),
            iov_len: data.len(),
        };
        // SAFETY: as in send_with_fds, every pointer outlives the call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = control.len() * 8;
        // SAFETY: msg is valid; the kernel writes within the buffers it names.
        let n = unsafe { libc::recvmsg(stream.as_raw_fd(), &mut msg, 0) };
        assert!(n >= 0, "{}", io::Error::last_os_error());
        data.truncate(n as usize);
        let mut fds = Vec::new();
        // SAFETY: the kernel filled `msg_controllen` bytes of headers.
        unsafe {
            let header = libc::CMSG_FIRSTHDR(&msg);
            assert!(!header.is_null());
            let count = ((*header).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / 4;
            let first = libc::CMSG_DATA(header).cast::<RawFd>();
            for i in 0..count {
                fds.push(first.add(i).read_unaligned());
            }
        }
        (data, fds)
    }

    #[test]
    fn the_descriptors_arrive_with_the_data() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let mut file = tempfile::tempfile().unwrap();
        let (mut pipe_read, pipe_write) = UnixStream::pair().unwrap();
        let sent =
            send_with_fds(&ours, b"hello", &[file.as_raw_fd(), pipe_write.as_raw_fd()]).unwrap();
        assert_eq!(sent, 5);
        let (data, fds) = receive(&theirs);
        assert_eq!(data, b"hello");
        assert_eq!(fds.len(), 2);
        // SAFETY: the kernel made these descriptors ours; each is owned once.
        let (mut got_file, mut got_pipe) = unsafe {
            (
                std::fs::File::from_raw_fd(fds[0]),
                UnixStream::from_raw_fd(fds[1]),
            )
        };
        got_file.write_all(b"through the copy").unwrap();
        let mut text = String::new();
        use std::io::Seek;
        file.rewind().unwrap();
        file.read_to_string(&mut text).unwrap();
        assert_eq!(text, "through the copy");
        got_pipe.write_all(b"x").unwrap();
        drop(pipe_write);
        drop(got_pipe);
        let mut byte = Vec::new();
        pipe_read.read_to_end(&mut byte).unwrap();
        assert_eq!(byte, b"x");
    }
}
