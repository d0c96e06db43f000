//! The workbook reader on arbitrary bytes: a zip or OLE file that is damaged,
//! hostile (a decompression bomb, a sheet claiming a million rows) or not a
//! workbook at all must be read or refused with a message, never panic, hang
//! or blow up memory. The bytes go in as a workbook piped to standard input
//! would (known by its signature), so the percent-format and shared-string
//! checks run as they do for a file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if ladder::input::workbook::sniff(data).is_some() {
        if let Err(e) = ladder::input::workbook::stdin_to_string(data) {
            let _ = format!("{e:#}");
        }
    }
});
