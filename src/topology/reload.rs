//! Configuration polling: re-read the files when their modification time changes and swap
//! the running components (reference §4).
