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
    // No transparent huge pages: a 2 MiB page is zeroed and counted whole
    // when a few KB of it are touched; without them the peak of a million
    // rows fell from 60 MB to 45 MB (of a 290 MB file), at the same CPU time.
    // mimalloc's own switch (mi_option_allow_thp) comes too late here: its
    // first arena is mapped, and advised huge, before main runs.
    // SAFETY: plain setters of mimalloc's global options, called before any
    // thread is started.
    unsafe {
        libmimalloc_sys::mi_option_set(4, 0); // mi_option_arena_eager_commit
        libmimalloc_sys::mi_option_set(15, 1); // mi_option_purge_delay, in ms
    }
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and only
    // sets a flag of this process; a failure (an old kernel) changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    // What a batch calls once a pass has freed its id set (see
    // `batch::chunk::release_freed_memory`): mimalloc collects the calling
    // thread's heap, purging freed memory now rather than after its delay.
    // SAFETY: mi_collect takes a flag and only walks the calling thread's heap.
    ladder::batch::set_release_freed_memory(|| unsafe { libmimalloc_sys::mi_collect(true) });
    ladder::cli::main()
}
