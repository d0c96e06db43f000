// mimalloc: the evaluation allocates in one thread and frees in another;
// glibc's malloc serialises that on a lock (a third of the run was spent
// waiting), mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Commit arena memory on demand and return freed pages after 1 ms: peak
    // memory stays near what is in use (SPEC §7 bounds it by the input size).
    // Measured on a million rows: 0 ms costs 0.6 s more (pages returned and
    // faulted back in, row after row), 10 ms adds 14 MB to the peak.
    // SAFETY: plain setters of mimalloc's global options, called before any
    // thread is started.
    unsafe {
        libmimalloc_sys::mi_option_set(4, 0); // mi_option_arena_eager_commit
        libmimalloc_sys::mi_option_set(15, 1); // mi_option_purge_delay, in ms
    }
    ladder::cli::main()
}
