// mimalloc: the evaluation allocates in one thread and frees in another;
// glibc's malloc serialises that on a lock (a third of the run was spent
// waiting), mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Commit arena memory on demand and return freed pages at once: peak
    // memory stays near what is in use (SPEC §7 bounds it by the input size).
    // SAFETY: plain setters of mimalloc's global options, called before any
    // thread is started.
    unsafe {
        libmimalloc_sys::mi_option_set(4, 0); // mi_option_arena_eager_commit
        libmimalloc_sys::mi_option_set(15, 1000); // mi_option_purge_delay
    }
    ladder::cli::main()
}
